#include "eval/generate_text.h"

#include <array>
#include <charconv>
#include <cmath>

#include "base/time.h"

namespace groundswell::gen {

namespace {

template <std::size_t N>
std::string_view pick(GenRng& rng, const std::array<std::string_view, N>& list) {
  return list[rng.below(N)];
}

// ---- vocabulary: fictional movements, everyday Persian and English political talk ----

constexpr std::array<ActorVocab, kActorCount> kActors = {{
    {"Green Horizon Front", "جبهه افق سبز", "افق_سبز", "GreenHorizon", "افق سبز", "green horizon",
     "نه_به_افق_سبز", "NoGreenHorizon", "greenhorizon.example.org", "ofoghsabz"},
    {"Iron Banner Party", "حزب پرچم آهنین", "پرچم_آهنین", "IronBanner", "پرچم آهنین", "iron banner",
     "نه_به_پرچم_آهنین", "NoIronBanner", "ironbanner.example.net", "parchamahanin"},
    {"Free Voices Union", "اتحاد صداهای آزاد", "صداهای_آزاد", "FreeVoices", "صداهای آزاد",
     "free voices", "نه_به_صداهای_آزاد", "NoFreeVoices", "freevoices.example.com", "sedayeazad"},
}};

constexpr std::array<std::string_view, 28> kFaOpeners = {"امروز",
                                                         "به گزارش خبرنگاران",
                                                         "همین حالا",
                                                         "دیشب",
                                                         "بر اساس آخرین خبرها",
                                                         "در تهران",
                                                         "در شیراز",
                                                         "در اصفهان",
                                                         "در مشهد",
                                                         "در تبریز",
                                                         "ساعتی پیش",
                                                         "طبق گزارش‌ها",
                                                         "به نظر من",
                                                         "واقعاً",
                                                         "هم‌میهنان عزیز",
                                                         "دوستان",
                                                         "خبر فوری:",
                                                         "یادمان باشد",
                                                         "هنوز هم",
                                                         "این هفته",
                                                         "در کرمان",
                                                         "در رشت",
                                                         "از صبح امروز",
                                                         "بعد از ماه‌ها",
                                                         "در اهواز",
                                                         "به روایت شاهدان",
                                                         "در یزد",
                                                         "بی‌تعارف"};
constexpr std::array<std::string_view, 40> kFaSubjects = {"دولت",
                                                          "مردم",
                                                          "کارگران",
                                                          "دانشجویان",
                                                          "معلمان",
                                                          "بازنشستگان",
                                                          "زنان",
                                                          "جوانان",
                                                          "کشاورزان",
                                                          "پرستاران",
                                                          "نمایندگان",
                                                          "شورای شهر",
                                                          "وزارت کشور",
                                                          "رسانه‌ها",
                                                          "خانواده‌ها",
                                                          "کودکان",
                                                          "بازاریان",
                                                          "رانندگان",
                                                          "پزشکان",
                                                          "هنرمندان",
                                                          "ورزشکاران",
                                                          "کارمندان",
                                                          "مدیران",
                                                          "شهروندان",
                                                          "همسایه‌ها",
                                                          "مسئولان",
                                                          "کاسبان",
                                                          "دانش‌آموزان",
                                                          "نویسندگان",
                                                          "روزنامه‌نگاران",
                                                          "بیکاران",
                                                          "مهاجران",
                                                          "اهالی محل",
                                                          "کارکنان بیمارستان",
                                                          "فعالان محیط زیست",
                                                          "وکلا",
                                                          "استادان",
                                                          "مستأجران",
                                                          "کامیون‌داران",
                                                          "کارگران نفت"};
constexpr std::array<std::string_view, 36> kFaObjects = {"حقوق خود را",
                                                         "آزادی بیان را",
                                                         "عدالت را",
                                                         "افزایش دستمزد را",
                                                         "اصلاحات را",
                                                         "شفافیت را",
                                                         "پاسخ روشن",
                                                         "کار و نان",
                                                         "آینده‌ای بهتر",
                                                         "امنیت شغلی",
                                                         "آب سالم",
                                                         "هوای پاک",
                                                         "اینترنت آزاد",
                                                         "قیمت منصفانه نان",
                                                         "بیمه درمان",
                                                         "مسکن ارزان",
                                                         "حق اعتراض را",
                                                         "آزادی زندانیان را",
                                                         "گزارش کامل",
                                                         "بودجه بیشتر",
                                                         "برق پایدار",
                                                         "حمل و نقل بهتر",
                                                         "مدرسه‌های امن",
                                                         "حقوق معوقه را",
                                                         "پایان سانسور را",
                                                         "انتخابات آزاد را",
                                                         "توقف گرانی را",
                                                         "حمایت از کشاورزان را",
                                                         "بازگشایی دانشگاه را",
                                                         "پاسخگویی مسئولان را",
                                                         "کاهش تورم را",
                                                         "احترام به قانون را",
                                                         "حق تشکل را",
                                                         "صدای خود را",
                                                         "همبستگی",
                                                         "تغییر واقعی"};
constexpr std::array<std::string_view, 30> kFaVerbs = {
    "می‌خواهند",
    "درخواست کردند",
    "اعلام کردند",
    "پیگیری می‌کنند",
    "مطالبه کردند",
    "به خیابان آوردند",
    "فریاد زدند",
    "را امضا کردند",
    "خواستار شدند",
    "دنبال می‌کنند",
    "تکرار کردند",
    "به اشتراک گذاشتند",
    "نمی‌پذیرند",
    "ثبت کردند",
    "گزارش دادند",
    "بررسی می‌کنند",
    "منتشر کردند",
    "جشن گرفتند",
    "به یاد آوردند",
    "حمایت کردند",
    "پس گرفتند",
    "تحریم کردند",
    "رد کردند",
    "انتظار دارند",
    "بازگو کردند",
    "یادآوری کردند",
    "نوشتند",
    "به رسمیت شناختند",
    "ادامه می‌دهند",
    "نمی‌توانند نادیده بگیرند"};
constexpr std::array<std::string_view, 22> kFaClosers = {"این ادامه دارد.",
                                                         "باید صدای ما شنیده شود.",
                                                         "همه باید بدانند.",
                                                         "منتظر خبرهای بعدی باشید.",
                                                         "تا کی؟",
                                                         "چرا کسی پاسخ نمی‌دهد؟",
                                                         "لطفاً به اشتراک بگذارید.",
                                                         "ما فراموش نمی‌کنیم.",
                                                         "این تازه اول راه است.",
                                                         "خسته نباشید.",
                                                         "عکس‌ها را ببینید.",
                                                         "جزئیات در لینک زیر.",
                                                         "نظر شما چیست؟",
                                                         "دست به دست کنید.",
                                                         "باور کردنی نیست.",
                                                         "شرم‌آور است.",
                                                         "به امید روزهای بهتر.",
                                                         "ویدیو را ببینید.",
                                                         "خبر تکمیلی به زودی.",
                                                         "همه با هم.",
                                                         "",
                                                         ""};
constexpr std::array<std::string_view, 8> kFaUnits = {
    "نفر", "هزار نفر", "هزار تومان", "درصد", "روز", "شهر", "ساعت", "میلیون تومان"};

constexpr std::array<std::string_view, 24> kEnOpeners = {
    "Today",         "Breaking:",       "Right now",  "Last night",  "According to reports,",
    "In Tehran",     "In Shiraz",       "In Isfahan", "Honestly,",   "Friends,",
    "Reminder:",     "This week",       "Once again", "Reports say", "Eyewitnesses say",
    "Update:",       "For the record,", "In Mashhad", "Meanwhile",   "After months of silence",
    "Unbelievable:", "Just in:",        "In Tabriz",  "Quietly,"};
constexpr std::array<std::string_view, 36> kEnSubjects = {
    "workers",       "students",    "teachers",    "retirees",       "women",
    "young people",  "farmers",     "nurses",      "lawmakers",      "the city council",
    "the ministry",  "journalists", "families",    "shopkeepers",    "truck drivers",
    "doctors",       "artists",     "athletes",    "civil servants", "citizens",
    "neighbours",    "officials",   "pensioners",  "writers",        "lawyers",
    "professors",    "tenants",     "oil workers", "bus drivers",    "miners",
    "activists",     "volunteers",  "parents",     "engineers",      "bakers",
    "the unemployed"};
constexpr std::array<std::string_view, 30> kEnVerbs = {"are demanding",
                                                       "called for",
                                                       "announced",
                                                       "keep pushing for",
                                                       "marched for",
                                                       "signed a letter for",
                                                       "are asking for",
                                                       "will not give up on",
                                                       "rallied behind",
                                                       "stood up for",
                                                       "organized for",
                                                       "spoke out for",
                                                       "refused to drop",
                                                       "wrote about",
                                                       "reported on",
                                                       "are waiting for",
                                                       "voted for",
                                                       "fought for",
                                                       "won",
                                                       "lost faith in",
                                                       "questioned",
                                                       "boycotted",
                                                       "celebrated",
                                                       "remembered",
                                                       "shared stories of",
                                                       "need",
                                                       "deserve",
                                                       "are tired of waiting for",
                                                       "keep asking about",
                                                       "gathered for"};
constexpr std::array<std::string_view, 34> kEnObjects = {"fair wages",
                                                         "free speech",
                                                         "justice",
                                                         "clean water",
                                                         "clean air",
                                                         "a free internet",
                                                         "affordable bread",
                                                         "health insurance",
                                                         "cheap housing",
                                                         "the right to protest",
                                                         "the release of prisoners",
                                                         "a full report",
                                                         "a bigger budget",
                                                         "stable electricity",
                                                         "better transport",
                                                         "safe schools",
                                                         "unpaid salaries",
                                                         "an end to censorship",
                                                         "free elections",
                                                         "lower prices",
                                                         "support for farmers",
                                                         "open universities",
                                                         "accountability",
                                                         "the rule of law",
                                                         "the right to organize",
                                                         "their voice",
                                                         "solidarity",
                                                         "real change",
                                                         "transparency",
                                                         "reform",
                                                         "job security",
                                                         "a better future",
                                                         "answers",
                                                         "dignity"};
constexpr std::array<std::string_view, 20> kEnClosers = {"This is not over.",
                                                         "Our voice must be heard.",
                                                         "Everyone should know.",
                                                         "More soon.",
                                                         "How long?",
                                                         "Why is nobody answering?",
                                                         "Please share.",
                                                         "We will not forget.",
                                                         "This is only the beginning.",
                                                         "See the photos.",
                                                         "Details below.",
                                                         "What do you think?",
                                                         "Unbelievable.",
                                                         "Shameful.",
                                                         "Together.",
                                                         "Watch the video.",
                                                         "Stay tuned.",
                                                         "Thread below.",
                                                         "",
                                                         ""};

constexpr std::array<std::string_view, 16> kGenericTagsFa = {
    "ایران", "تهران",  "اعتراضات",  "کارگران", "معلمان",   "اقتصاد",     "گرانی",  "اینترنت_آزاد",
    "زنان",  "دانشجو", "محیط_زیست", "آب",      "خبر_فوری", "بازنشستگان", "سانسور", "عدالت"};
constexpr std::array<std::string_view, 12> kGenericTagsEn = {
    "Iran",    "Tehran",   "news",        "protests", "economy", "FreeInternet",
    "workers", "teachers", "HumanRights", "breaking", "climate", "justice"};

constexpr std::array<std::string_view, 10> kNewsHosts = {
    "https://www.akhbar-rooz.example.com",  "https://news.example.org",
    "http://www.tehran-daily.example.net",  "https://m.khabar-online.example.com",
    "https://www.worldreport.example.com",  "https://iran-monitor.example.org",
    "https://www.persian-news.example.com", "https://radio-azad.example.net",
    "https://mobile.citywire.example.com",  "https://www.econ-today.example.org"};
constexpr std::array<std::string_view, 12> kPathWords = {
    "news",  "politics", "economy", "society", "report", "article",
    "world", "iran",     "opinion", "live",    "story",  "video"};

constexpr std::array<std::string_view, 30> kFirstFa = {
    "سارا",   "علی",  "مریم",  "رضا",   "زهرا",  "حسین", "نرگس",  "محمد",  "فاطمه", "امیر",
    "نازنین", "مهدی", "لیلا",  "بابک",  "شیرین", "کاوه", "مینا",  "آرش",   "پریسا", "سینا",
    "یاسمن",  "کیان", "الهام", "فرهاد", "نگار",  "پویا", "ترانه", "بهروز", "هانیه", "داریوش"};
constexpr std::array<std::string_view, 24> kLastFa = {
    "احمدی",   "کریمی",  "رضایی",  "حسینی", "محمدی",  "موسوی",           "جعفری",  "صادقی",
    "رحیمی",   "کاظمی",  "نوری",   "عباسی", "قاسمی",  "یزدانی",          "شریفی",  "تهرانی",
    "اصفهانی", "شیرازی", "کرمانی", "زمانی", "فرهادی", "نیک‌نام", "پاکزاد", "امینی"};
constexpr std::array<std::string_view, 30> kFirstEn = {
    "Sara",    "Ali",   "Maryam",  "Reza",  "Zahra", "Hossein", "Narges", "Mohammad",
    "Fatemeh", "Amir",  "Nazanin", "Mehdi", "Leila", "Babak",   "Shirin", "Kaveh",
    "Mina",    "Arash", "Parisa",  "Sina",  "Emma",  "James",   "Olivia", "Daniel",
    "Sophie",  "Lucas", "Hannah",  "David", "Laura", "Peter"};
constexpr std::array<std::string_view, 24> kLastEn = {
    "Ahmadi", "Karimi", "Rezaei", "Hosseini", "Mohammadi", "Mousavi", "Jafari",  "Sadeghi",
    "Rahimi", "Kazemi", "Nouri",  "Abbasi",   "Ghasemi",   "Yazdani", "Sharifi", "Tehrani",
    "Miller", "Smith",  "Brown",  "Wilson",   "Taylor",    "Schmidt", "Martin",  "Rossi"};
constexpr std::array<std::string_view, 24> kAsciiWords = {
    "sun",   "river", "free", "voice", "news",  "daily", "city", "green",
    "blue",  "night", "star", "hope",  "road",  "north", "west", "media",
    "world", "bird",  "rain", "stone", "light", "wind",  "echo", "view"};
constexpr std::array<std::string_view, 12> kEmoji = {"👍", "❤", "🔥", "👏",    "😢", "😡",
                                                     "🙏", "💯", "😂", "🤔", "✊", "🕊"};
constexpr std::array<std::string_view, 12> kBioFa = {"دانشجو | عاشق کتاب",
                                                     "معلم بازنشسته",
                                                     "خبرنگار آزاد",
                                                     "فعال مدنی",
                                                     "برنامه‌نویس و کوهنورد",
                                                     "مادر، پرستار",
                                                     "عکاس",
                                                     "فقط برای آزادی",
                                                     "اقتصاددان",
                                                     "",
                                                     "",
                                                     "ورزشکار"};
constexpr std::array<std::string_view, 12> kBioEn = {"student | book lover",
                                                     "retired teacher",
                                                     "freelance journalist",
                                                     "civic activist",
                                                     "developer & hiker",
                                                     "mother, nurse",
                                                     "photographer",
                                                     "views are my own",
                                                     "economist",
                                                     "",
                                                     "",
                                                     "runner"};
constexpr std::array<std::string_view, 6> kClients = {"Twitter for Android", "Twitter for iPhone",
                                                      "Twitter Web App",     "Twitter for Android",
                                                      "Twitter for iPhone",  "TweetDeck Web App"};
constexpr std::array<std::string_view, 10> kCities = {
    "Tehran", "تهران", "Shiraz", "Isfahan", "London", "Toronto", "Berlin", "Los Angeles", "", ""};

void append_persian_number(std::string& out, std::int64_t v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  (void)ec;
  for (char* p = digits; p != end; ++p) {
    // U+06F0..U+06F9 = DB B0..DB B9
    out.push_back(static_cast<char>(0xDB));
    out.push_back(static_cast<char>(0xB0 + (*p - '0')));
  }
}

void build_fa_sentence(GenRng& rng, std::string& s) {
  if (rng.chance(0.7)) {
    s += pick(rng, kFaOpeners);
    s += ' ';
  }
  s += pick(rng, kFaSubjects);
  if (rng.chance(0.25)) {
    s += " با ";
    append_persian_number(s, rng.between(2, 900));
    s += ' ';
    s += pick(rng, kFaUnits);
  }
  s += ' ';
  s += pick(rng, kFaObjects);
  s += ' ';
  s += pick(rng, kFaVerbs);
  s += rng.chance(0.8) ? "." : "!";
}

void build_en_sentence(GenRng& rng, std::string& s) {
  if (rng.chance(0.7)) {
    s += pick(rng, kEnOpeners);
    s += ' ';
  }
  s += pick(rng, kEnSubjects);
  if (rng.chance(0.25)) {
    s += " (";
    append_int(s, rng.between(2, 900));
    s += " of them)";
  }
  s += ' ';
  s += pick(rng, kEnVerbs);
  s += ' ';
  s += pick(rng, kEnObjects);
  s += rng.chance(0.8) ? "." : "!";
}

// ---- the live football match: reactions in the minutes after a goal ----

constexpr std::array<std::string_view, 12> kMatchOpenersFa = {
    "گل!",     "گووووول!",  "چه گلی!", "باورم نمی‌شه!",
    "وای!",    "عالی بود!", "دیدید؟",  "بالاخره!",
    "یا خدا!", "ای جان!",   "نه!",     "دیوانه‌کننده بود!"};
constexpr std::array<std::string_view, 12> kMatchSubjectsFa = {"استقلال",
                                                               "پرسپولیس",
                                                               "کاپیتان",
                                                               "مهاجم جوان",
                                                               "شماره ۹",
                                                               "هافبک میانی",
                                                               "مدافع راست",
                                                               "بازیکن تعویضی",
                                                               "وینگر چپ",
                                                               "ستاره تیم",
                                                               "دروازه‌بان",
                                                               "تیم ما"};
constexpr std::array<std::string_view, 12> kMatchVerbsFa = {"گل زد",
                                                            "دروازه را باز کرد",
                                                            "بازی را برگرداند",
                                                            "کار را تمام کرد",
                                                            "با سر زد",
                                                            "پنالتی را گل کرد",
                                                            "توپ را به کنج دروازه فرستاد",
                                                            "از راه دور زد",
                                                            "گل مساوی را زد",
                                                            "تیم را جلو انداخت",
                                                            "شاهکار کرد",
                                                            "اشتباه کرد"};
constexpr std::array<std::string_view, 12> kMatchClosersFa = {"چه بازی‌ای!",
                                                              "ورزشگاه منفجر شد.",
                                                              "داور کجاست؟",
                                                              "دربی یعنی همین.",
                                                              "قلبم ایستاد.",
                                                              "هنوز تمام نشده.",
                                                              "این فصل مال ماست.",
                                                              "دفاع خواب بود.",
                                                              "اشک شوق.",
                                                              "",
                                                              "",
                                                              ""};
constexpr std::array<std::string_view, 12> kMatchOpenersEn = {
    "GOAL!",    "What a goal!", "Unbelievable!", "Yesss!",  "Wow.",     "Did you see that?",
    "Finally!", "Oh no.",       "Incredible!",   "Get in!", "Madness!", "Come on!"};
constexpr std::array<std::string_view, 12> kMatchSubjectsEn = {
    "Esteghlal",       "Persepolis",     "the captain",    "the young striker",
    "number 9",        "the midfielder", "the right back", "the substitute",
    "the left winger", "their star",     "the keeper",     "we"};
constexpr std::array<std::string_view, 12> kMatchVerbsEn = {"score",
                                                            "find the net",
                                                            "turn it around",
                                                            "finish it off",
                                                            "head it in",
                                                            "convert the penalty",
                                                            "curl it into the top corner",
                                                            "score from distance",
                                                            "equalise",
                                                            "take the lead",
                                                            "pull off a masterpiece",
                                                            "blunder"};
constexpr std::array<std::string_view, 12> kMatchClosersEn = {"What a match!",
                                                              "The stadium is shaking.",
                                                              "Where is the referee?",
                                                              "Derby day!",
                                                              "My heart stopped.",
                                                              "It is not over yet.",
                                                              "This season is ours.",
                                                              "Defence asleep.",
                                                              "Tears of joy.",
                                                              "",
                                                              "",
                                                              ""};

void build_match_sentence(GenRng& rng, bool fa, std::string& s) {
  if (rng.chance(0.75)) {
    s += fa ? pick(rng, kMatchOpenersFa) : pick(rng, kMatchOpenersEn);
    s += ' ';
  }
  if (fa) {
    s += pick(rng, kMatchSubjectsFa);
    s += ' ';
    if (rng.chance(0.5)) {
      s += "در دقیقه ";
      append_persian_number(s, rng.between(1, 95));
      s += ' ';
    }
    s += pick(rng, kMatchVerbsFa);
  } else {
    s += pick(rng, kMatchSubjectsEn);
    s += ' ';
    s += pick(rng, kMatchVerbsEn);
    if (rng.chance(0.5)) {
      s += " in minute ";
      append_int(s, rng.between(1, 95));
    }
  }
  s += rng.chance(0.6) ? "!" : ".";
  std::string_view closer = fa ? pick(rng, kMatchClosersFa) : pick(rng, kMatchClosersEn);
  if (!closer.empty()) {
    s += ' ';
    s += closer;
  }
}

void append_random_token(GenRng& rng, std::string& s, std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (std::size_t i = 0; i < length; ++i) s += kAlphabet[rng.below(kAlphabet.size())];
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one code point at s[i]; advances i. Invalid bytes come back as themselves.
std::uint32_t decode_utf8(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::uint32_t cp = b;
  std::size_t extra = 0;
  if (b >= 0xF0) {
    cp = b & 0x07;
    extra = 3;
  } else if (b >= 0xE0) {
    cp = b & 0x0F;
    extra = 2;
  } else if (b >= 0xC0) {
    cp = b & 0x1F;
    extra = 1;
  }
  ++i;
  for (std::size_t k = 0; k < extra && i < s.size(); ++k, ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  }
  return cp;
}

bool is_arabic_letter(std::uint32_t cp) { return cp >= 0x0621 && cp <= 0x06D3 && cp != 0x0640; }

// Rewrites Persian spelling in `s` according to the chosen disguises.
void rewrite_persian(std::string& s, bool arabic_yeh, bool arabic_kaf, bool zwnj_to_space,
                     int digits, bool tatweel, GenRng& rng, std::string& scratch) {
  scratch.clear();
  std::size_t i = 0;
  std::uint32_t prev = 0;
  bool tatweel_done = false;
  while (i < s.size()) {
    std::uint32_t cp = decode_utf8(s, i);
    std::uint32_t next = 0;
    if (i < s.size()) {
      std::size_t j = i;
      next = decode_utf8(s, j);
    }
    if (arabic_yeh && cp == 0x06CC) cp = 0x064A;
    if (arabic_kaf && cp == 0x06A9) cp = 0x0643;
    if (zwnj_to_space && cp == 0x200C) cp = ' ';
    if (digits == 1 && cp >= '0' && cp <= '9') cp = 0x06F0 + (cp - '0');
    if (digits == 2 && cp >= 0x06F0 && cp <= 0x06F9) cp = '0' + (cp - 0x06F0);
    append_utf8(scratch, cp);
    // Kashida only between two joining letters, where a writer would stretch a word.
    if (tatweel && !tatweel_done && is_arabic_letter(prev) && is_arabic_letter(cp) &&
        is_arabic_letter(next) && cp != 0x0627 && cp != 0x062F && cp != 0x0631 && cp != 0x0632 &&
        cp != 0x0648 && rng.chance(0.35)) {
      append_utf8(scratch, 0x0640);
      tatweel_done = true;
    }
    prev = cp;
  }
  s.swap(scratch);
}

}  // namespace

// ---- random helpers ----

double GenRng::exponential(double mean) { return -mean * std::log(1.0 - unit()); }

double GenRng::normal() {
  double u1 = unit();
  double u2 = unit();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double GenRng::lognormal(double median, double sigma) {
  return median * std::exp(sigma * normal());
}

std::int64_t GenRng::poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean > 40) {
    double v = std::round(mean + std::sqrt(mean) * normal());
    return v < 0 ? 0 : static_cast<std::int64_t>(v);
  }
  double limit = std::exp(-mean);
  double product = unit();
  std::int64_t n = 0;
  while (product > limit) {
    product *= unit();
    ++n;
  }
  return n;
}

double GenRng::pareto(double alpha, double cap) {
  double v = std::pow(1.0 - unit(), -1.0 / alpha);
  return v > cap ? cap : v;
}

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t tag) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (tag + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string_view lang_code(Lang lang) { return lang == Lang::kFa ? "fa" : "en"; }

const ActorVocab& actor_vocab(int actor) { return kActors[static_cast<std::size_t>(actor)]; }

std::string_view piece_type_name(PieceKind kind) {
  switch (kind) {
    case PieceKind::kPlain:
      return "plain";
    case PieceKind::kHashtag:
      return "hashtag";
    case PieceKind::kMention:
      return "mention";
    case PieceKind::kUrl:
      return "link";
    case PieceKind::kTextLink:
      return "text_link";
    case PieceKind::kBold:
      return "bold";
  }
  return "plain";
}

// ---- Content ----

Piece& Content::add(PieceKind kind) {
  if (size_ == pieces_.size()) pieces_.emplace_back();
  Piece& p = pieces_[size_++];
  p.kind = kind;
  p.text.clear();
  p.href.clear();
  return p;
}

void Content::add_plain(std::string_view text) {
  if (size_ > 0 && pieces_[size_ - 1].kind == PieceKind::kPlain) {
    pieces_[size_ - 1].text += text;
  } else {
    add(PieceKind::kPlain).text = text;
  }
}

void Content::flatten(std::string* out) const {
  out->clear();
  for (std::size_t i = 0; i < size_; ++i) *out += pieces_[i].text;
}

void build_content(const ContentSpec& spec, const TextContext& context, Content* out) {
  out->clear();
  GenRng rng = GenRng::stream(mix_seed(spec.seed, 0x7e47));
  const bool fa = spec.lang == Lang::kFa;
  if (spec.topic == Topic::kMatch) {
    // Own words about the match, then its hashtag (sometimes in both languages).
    std::string sentence;
    build_match_sentence(rng, fa, sentence);
    if (rng.chance(0.2)) {
      sentence += ' ';
      build_match_sentence(rng, fa, sentence);
    }
    out->add_plain(sentence);
    out->add_plain("\n");
    Piece& h = out->add(PieceKind::kHashtag);
    h.text = "#";
    h.text += fa ? kMatchHashtagFa : kMatchHashtagEn;
    if (rng.chance(0.25)) {
      out->add_plain(" ");
      Piece& h2 = out->add(PieceKind::kHashtag);
      h2.text = "#";
      h2.text += fa ? kMatchHashtagEn : kMatchHashtagFa;
    }
    return;
  }
  std::string sentence;
  int sentences = 1 + static_cast<int>(rng.below(3) == 0);
  for (int k = 0; k < sentences; ++k) {
    if (k > 0) sentence += ' ';
    if (fa) {
      build_fa_sentence(rng, sentence);
    } else {
      build_en_sentence(rng, sentence);
    }
  }
  if (spec.actor >= 0) {
    const ActorVocab& a = actor_vocab(spec.actor);
    std::string_view keyword = fa ? a.keyword_fa : a.keyword_en;
    if (spec.stance >= 0) {
      sentence += ' ';
      if (fa) {
        bool cheer = rng.chance(0.5);
        sentence += cheer ? "زنده باد " : "ما با ";
        sentence += keyword;
        sentence += cheer ? "!" : " هستیم.";
      } else {
        sentence += rng.chance(0.5) ? "We stand with " : "Long live ";
        sentence += keyword;
        sentence += '.';
      }
    } else {
      sentence += fa ? " دروغ‌های " : " Enough lies from ";
      sentence += keyword;
      sentence += fa ? " را باور نکنید." : ".";
    }
  }
  if (rng.chance(0.5)) {
    std::string_view closer = fa ? pick(rng, kFaClosers) : pick(rng, kEnClosers);
    if (!closer.empty()) {
      sentence += ' ';
      sentence += closer;
    }
  }
  out->add_plain(sentence);

  if (spec.mention && context.mention_handles != nullptr && !context.mention_handles->empty()) {
    out->add_plain(" ");
    Piece& m = out->add(PieceKind::kMention);
    m.text = "@";
    m.text += (*context.mention_handles)[rng.below(context.mention_handles->size())];
  }

  // Hashtags: the actor's own (support) or the opponents' (opposition), plus generic ones.
  int generic = static_cast<int>(rng.below(3));
  if (spec.actor >= 0) {
    const ActorVocab& a = actor_vocab(spec.actor);
    out->add_plain("\n");
    Piece& h = out->add(PieceKind::kHashtag);
    h.text = "#";
    if (spec.stance >= 0) {
      h.text += fa ? a.hashtag_fa : a.hashtag_en;
    } else {
      h.text += fa ? a.opposition_fa : a.opposition_en;
    }
    if (rng.chance(0.3)) {
      out->add_plain(" ");
      Piece& h2 = out->add(PieceKind::kHashtag);
      h2.text = "#";
      h2.text += fa ? a.hashtag_en : a.hashtag_fa;
      if (spec.stance < 0)
        h2.text = std::string("#") + std::string(fa ? a.opposition_en : a.opposition_fa);
    }
  } else if (generic > 0) {
    out->add_plain("\n");
  }
  for (int g = 0; g < generic; ++g) {
    if (spec.actor >= 0 || g > 0) out->add_plain(" ");
    Piece& h = out->add(PieceKind::kHashtag);
    h.text = "#";
    h.text += fa ? pick(rng, kGenericTagsFa) : pick(rng, kGenericTagsEn);
  }

  if (spec.url_kind != 0) {
    if (spec.url_seed != 0) rng = GenRng::stream(spec.url_seed);
    out->add_plain("\n");
    Piece& u = out->add(PieceKind::kUrl);
    std::string& url = u.text;
    if (spec.url_kind == 2 && spec.actor >= 0) {
      url = "https://";
      url += actor_vocab(spec.actor).site;
      url += '/';
      url += pick(rng, kPathWords);
      url += '/';
      append_int(url, rng.between(1000, 99999));
    } else if (spec.url_kind == 3) {
      url = "https://t.me/";
      url += spec.actor >= 0 ? actor_vocab(spec.actor).slug : pick(rng, kAsciiWords);
      url += rng.chance(0.5) ? "_news/" : "/";
      append_int(url, rng.between(10, 9000));
    } else {
      url = pick(rng, kNewsHosts);
      url += '/';
      url += pick(rng, kPathWords);
      url += '/';
      append_int(url, 2024);
      url += "/03/";
      append_random_token(rng, url, 10);
      if (rng.chance(0.2)) url += "?ref=home";
    }
  }
}

void add_tracking_parameters(GenRng& rng, std::string* url) {
  bool has_query = url->find('?') != std::string::npos;
  auto sep = [&]() {
    *url += has_query ? '&' : '?';
    has_query = true;
  };
  switch (rng.below(4)) {
    case 0:
      sep();
      *url += "utm_source=telegram&utm_medium=social&utm_campaign=";
      append_random_token(rng, *url, 6);
      break;
    case 1:
      sep();
      *url += "fbclid=IwAR";
      append_random_token(rng, *url, 28);
      break;
    case 2:
      sep();
      *url += "utm_source=twitter&utm_content=";
      append_random_token(rng, *url, 8);
      break;
    default:
      break;  // some copies carry the clean link
  }
}

void apply_variants(std::uint64_t variant_seed, bool near_duplicate, Content* content) {
  GenRng rng = GenRng::stream(variant_seed);
  bool arabic_yeh = rng.chance(0.4);
  bool arabic_kaf = rng.chance(0.4);
  bool zwnj_to_space = rng.chance(0.5);
  int digits = static_cast<int>(rng.below(3));
  bool tatweel = rng.chance(0.3);
  std::string scratch;
  for (std::size_t i = 0; i < content->size(); ++i) {
    Piece& p = (*content)[i];
    if (p.kind == PieceKind::kPlain || p.kind == PieceKind::kHashtag) {
      rewrite_persian(p.text, arabic_yeh, arabic_kaf, zwnj_to_space && p.kind == PieceKind::kPlain,
                      digits, tatweel && p.kind == PieceKind::kPlain, rng, scratch);
    } else if (p.kind == PieceKind::kUrl) {
      add_tracking_parameters(rng, &p.text);
    }
  }
  if (near_duplicate && content->size() > 0) {
    Piece& first = (*content)[0];
    if (rng.chance(0.5)) {
      // Drop the last word of the first sentence run.
      std::size_t cut = first.text.rfind(' ');
      if (cut != std::string::npos && cut > first.text.size() / 2) first.text.resize(cut);
    } else {
      std::string prefix(random_emoji(rng));
      prefix += ' ';
      first.text.insert(0, prefix);
    }
  }
}

std::string_view random_first_name(GenRng& rng, Lang lang) {
  return lang == Lang::kFa ? pick(rng, kFirstFa) : pick(rng, kFirstEn);
}
std::string_view random_last_name(GenRng& rng, Lang lang) {
  return lang == Lang::kFa ? pick(rng, kLastFa) : pick(rng, kLastEn);
}
std::string_view first_name(std::size_t index, Lang lang) {
  return lang == Lang::kFa ? kFirstFa[index % kFirstFa.size()] : kFirstEn[index % kFirstEn.size()];
}
std::string_view last_name(std::size_t index, Lang lang) {
  return lang == Lang::kFa ? kLastFa[index % kLastFa.size()] : kLastEn[index % kLastEn.size()];
}
std::string_view random_word_ascii(GenRng& rng) { return pick(rng, kAsciiWords); }
std::string_view random_emoji(GenRng& rng) { return pick(rng, kEmoji); }
std::string_view random_bio(GenRng& rng, Lang lang) {
  return lang == Lang::kFa ? pick(rng, kBioFa) : pick(rng, kBioEn);
}
std::string_view random_client(GenRng& rng) { return pick(rng, kClients); }
std::string_view random_city(GenRng& rng) { return pick(rng, kCities); }

// ---- UTF-8 measures ----

std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

std::size_t codepoint_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// ---- time ----

namespace {

struct Civil {
  int year;
  unsigned month, day, hour, minute, second, millis;
};

Civil civil_from_ms(std::int64_t ms) {
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<unsigned>(ms - secs * 1000);
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  auto sod = static_cast<unsigned>(secs - days * 86400);
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  return {static_cast<int>(y), m, d, sod / 3600, (sod / 60) % 60, sod % 60, millis};
}

void append2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void append_date_part(std::string& out, const Civil& c) {
  append_int(out, c.year);
  out.push_back('-');
  append2(out, c.month);
  out.push_back('-');
  append2(out, c.day);
}

void append_time_part(std::string& out, const Civil& c, bool seconds) {
  append2(out, c.hour);
  out.push_back(':');
  append2(out, c.minute);
  if (seconds) {
    out.push_back(':');
    append2(out, c.second);
  }
}

}  // namespace

void append_iso_seconds(std::string& out, std::int64_t ms) {
  Civil c = civil_from_ms(ms);
  append_date_part(out, c);
  out.push_back('T');
  append_time_part(out, c, true);
}

void append_iso_offset(std::string& out, std::int64_t ms) {
  append_iso_seconds(out, ms);
  out += "+00:00";
}

void append_iso_millis_z(std::string& out, std::int64_t ms) {
  Civil c = civil_from_ms(ms);
  append_date_part(out, c);
  out.push_back('T');
  append_time_part(out, c, true);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + c.millis / 100));
  append2(out, c.millis % 100);
  out.push_back('Z');
}

void append_minute_space(std::string& out, std::int64_t ms) {
  Civil c = civil_from_ms(ms);
  append_date_part(out, c);
  out.push_back(' ');
  append_time_part(out, c, false);
}

void append_date(std::string& out, std::int64_t ms) { append_date_part(out, civil_from_ms(ms)); }

int weekday_of(std::int64_t ms) {
  std::int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  // 1970-01-01 was a Thursday (Monday = 0 -> Thursday = 3).
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

// ---- JSON and CSV ----

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, end);
}

namespace {
void append_u_escape(std::string& out, std::uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  out.push_back(kHex[(unit >> 12) & 0xF]);
  out.push_back(kHex[(unit >> 8) & 0xF]);
  out.push_back(kHex[(unit >> 4) & 0xF]);
  out.push_back(kHex[unit & 0xF]);
}
}  // namespace

void append_json_string(std::string& out, std::string_view s, bool ascii_only) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (!ascii_only) {
        out.push_back(static_cast<char>(c));
        ++i;
        continue;
      }
      std::uint32_t cp = decode_utf8(s, i);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        append_u_escape(out, 0xD800 + (cp >> 10));
        append_u_escape(out, 0xDC00 + (cp & 0x3FF));
      } else {
        append_u_escape(out, cp);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          append_u_escape(out, c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace groundswell::gen
