// Writes synthetic report data (docs/report.md) for the browser tests: a realistic-looking
// run with three actors, coordinated clusters, Persian and English messages, and hostile
// strings planted in message texts, handles, display names, channel titles, file names and
// URLs. Deterministic: a seeded generator, so the committed fixture.json can be regenerated.
//
//   node tests/browser/make_fixture.mjs OUT.json [--accounts N]
import fs from 'node:fs';

const args = process.argv.slice(2);
const out = args[0];
if (!out) {
  console.error('usage: node make_fixture.mjs OUT.json [--accounts N]');
  process.exit(1);
}
const accountsArg = args.indexOf('--accounts');
const totalAccounts = accountsArg >= 0 ? Number(args[accountsArg + 1]) : 360;

let seed = 20240301;
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(rand() * list.length)];
const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

const PAYLOADS = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '</script><script>window.__pwned=1</script>',
];

const actors = ['Example Front', 'Civic Alliance', 'جبهه آزادی'];
const persianTexts = [
  'همه با هم برای آزادی! #آزادی این پیام را به اشتراک بگذارید',
  'مردم ایران پشتیبان جبهه هستند، ببینید چقدر جمعیت آمده است',
  'این ویدیو را ببینید و برای دوستانتان بفرستید: حقیقت را بدانید',
  'رأی ما، صدای ما. امروز ساعت ۱۸ در میدان آزادی',
];
const englishTexts = [
  'Everyone is talking about Example Front today. Share this before it gets deleted!',
  'The crowd at the rally was HUGE. The media will not show you this. #ExampleFront',
  'Read the full statement here and pass it on to your friends.',
  'Thousands of ordinary citizens support the Front. Join us tomorrow at noon.',
];
const firstNames = ['ali', 'sara', 'reza', 'maryam', 'john', 'anna', 'omid', 'neda', 'mehdi', 'laura', 'kian', 'parisa'];
const persianNames = ['علی رضایی', 'مریم احمدی', 'رضا محمدی', 'سارا کریمی', 'امید حسینی', 'ندا موسوی'];

// Accounts: the first ones form coordinated clusters, the rest are ordinary.
const clusterSizes = [];
{
  const base = [42, 31, 24, 17, 12, 8];
  const scale = Math.max(1, totalAccounts / 360);
  let clustered = 0;
  for (const s of base) {
    const size = Math.round(s * scale);
    clusterSizes.push(size);
    clustered += size;
  }
  if (totalAccounts > 1000) {
    // A large run has many small clusters too.
    while (clustered < totalAccounts * 0.45) {
      const size = 3 + Math.floor(rand() * 12);
      clusterSizes.push(size);
      clustered += size;
    }
  }
}
const nodes = [];
const members = clusterSizes.map(() => []);
let nextId = 1000;
for (let c = 0; c < clusterSizes.length; c++) {
  for (let i = 0; i < clusterSizes[c]; i++) {
    const id = `user${nextId++}`;
    const style = rand();
    const handle = style < 0.55 ? `${pick(firstNames)}${Math.floor(10000000 + rand() * 89999999)}`
      : style < 0.8 ? `${pick(firstNames)}_${pick(firstNames)}${Math.floor(rand() * 99)}`
        : pick(persianNames).replace(' ', '_') + Math.floor(rand() * 999);
    nodes.push({ id, label: style < 0.8 ? handle : pick(persianNames), handle, platform: c % 3 === 2 ? 'twitter' : 'telegram',
      cluster: c + 1, score: round(0.55 + rand() * 0.45, 2), messages: 20 + Math.floor(rand() * 400) });
    members[c].push(id);
  }
}
while (nodes.length < totalAccounts) {
  const id = `user${nextId++}`;
  const handle = rand() < 0.7 ? `${pick(firstNames)}_${Math.floor(rand() * 9999)}` : pick(persianNames).replace(' ', '_');
  nodes.push({ id, label: handle, handle, platform: rand() < 0.75 ? 'telegram' : 'twitter', cluster: null,
    score: round(rand() ** 2 * 0.8, 2), messages: 1 + Math.floor(rand() * 60) });
}
// Hostile handles and display names on a few accounts, clustered and not.
nodes[0].handle = PAYLOADS[0];
nodes[1].label = PAYLOADS[1];
nodes[nodes.length - 1].handle = PAYLOADS[2];
nodes[nodes.length - 2].label = 'کانال رسمی <b>جبهه</b>';

const behaviours = ['share', 'link', 'similar_text', 'hashtag'];
const edges = [];
const edgeKey = new Set();
function addEdge(a, b, behaviour, weight, p) {
  if (a === b) return;
  const [s, t] = a < b ? [a, b] : [b, a];
  const key = `${s}|${t}|${behaviour}`;
  if (edgeKey.has(key)) return;
  edgeKey.add(key);
  edges.push({ source: s, target: t, behaviour, weight, p_value: p });
}
members.forEach((ids, c) => {
  const density = Math.min(0.5, 6 / ids.length);
  const mainBehaviour = behaviours[c % 3];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      if (rand() < density) addEdge(ids[i], ids[j], mainBehaviour, 2 + Math.floor(rand() * 30), round(0.01 * rand() * rand(), 4));
      if (rand() < density / 4) addEdge(ids[i], ids[j], 'hashtag', 2 + Math.floor(rand() * 6), round(0.04 * rand(), 4));
    }
  }
});
const others = nodes.filter((n) => n.cluster == null).map((n) => n.id);
for (let k = 0; k < others.length * 0.9; k++) {
  addEdge(pick(others), pick(others), pick(behaviours), 2 + Math.floor(rand() * 3), round(0.01 + rand() * 0.04, 4));
}
for (let k = 0; k < clusterSizes.length * 3; k++) {
  addEdge(pick(members[k % members.length]), pick(others), 'link', 2, round(0.03 + rand() * 0.02, 4));
}
edges.sort((x, y) => (x.source < y.source ? -1 : x.source > y.source ? 1 : x.target < y.target ? -1 : x.target > y.target ? 1 : x.behaviour < y.behaviour ? -1 : 1));

const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const day0 = Date.UTC(2024, 2, 1) / 1000;
const days = 45;

const clusters = members.map((ids, c) => {
  const first = day0 + Math.floor(rand() * 10) * 86400 + Math.floor(rand() * 86400);
  const span = (5 + Math.floor(rand() * 30)) * 86400;
  const persian = c % 2 === 0;
  const evidence = [];
  const texts = persian ? persianTexts : englishTexts;
  const nEvidence = c < 6 ? 6 + Math.floor(rand() * 6) : 3;
  const baseTime = first + 3600 * 5;
  for (let i = 0; i < nEvidence; i++) {
    const account = ids[i % ids.length];
    const node = nodes.find((n) => n.id === account);
    evidence.push({ message_id: `${9000 + i}`, account, handle: node.handle,
      chat: persian ? 'کانال خبری آزادی' : 'Front News Channel', time: iso(baseTime + i * 7 + Math.floor(rand() * 20)),
      behaviour: c % 3 === 0 ? 'share' : c % 3 === 1 ? 'link' : 'similar_text',
      text: texts[i % texts.length], url: persian ? `https://t.me/azadi_news/${1200 + i}` : `https://example.org/statement?id=${c}-${i}` });
  }
  return {
    id: c + 1, accounts: ids.length, messages: ids.length * (15 + Math.floor(rand() * 40)),
    behaviours: c % 4 === 3 ? ['share', 'hashtag'] : [behaviours[c % 3], 'hashtag'],
    first_time: iso(first), last_time: iso(first + span), median_delay_s: round(4 + rand() * 50, 1),
    p_value: round(0.01 * rand() ** 2, 4), mean_score: round(0.6 + rand() * 0.35, 2),
    verdict: c % 3 === 2 ? 'organic' : c % 3 === 1 ? 'undetermined' : 'inauthentic',
    verdict_reasons: c % 3 === 2 ? 'most co-actions re-share one source; timing fits independent responses'
      : c % 3 === 1 ? 'no trait of manufacture, but timing does not fit independent responses'
        : `${Math.round(60 + rand() * 35)}% of the members created within 14 days`,
    top_objects: [
      { behaviour: 'share', object: persian ? 'https://t.me/azadi_news/1201' : 'https://t.me/frontnews/88', count: 40 + Math.floor(rand() * 200) },
      { behaviour: 'hashtag', object: persian ? '#آزادی' : '#ExampleFront', count: 20 + Math.floor(rand() * 100) },
      { behaviour: 'link', object: 'https://example.org/statement', count: 5 + Math.floor(rand() * 50) },
    ],
    evidence,
  };
});
// Planted payloads in the evidence of the first clusters: message texts, chat titles, URLs.
clusters[0].evidence[1].text = `Breaking: ${PAYLOADS[0]} read now`;
clusters[0].evidence[2].text = PAYLOADS[1];
clusters[0].evidence[3].text = `${PAYLOADS[2]} پیام`;
clusters[0].evidence[2].chat = PAYLOADS[1];
clusters[0].evidence[4].url = 'javascript:window.__pwned=1';
clusters[1].evidence[0].chat = PAYLOADS[2];
clusters[1].top_objects[0].object = PAYLOADS[0];
clusters[2].verdict_reasons = `most co-actions re-share ${PAYLOADS[0]}'s posts`;
// p-values beyond every null replicate come from the fitted tail, one far below a double.
clusters.forEach((c, i) => {
  c.p_log10 = i === 0 ? -412.37 : c.p_value > 0 ? round(Math.log10(c.p_value), 4) : -320;
  if (i === 0) c.p_value = 2.2250738585072014e-308;
  c.p_method = c.p_value < 0.01 ? 'tail' : 'monte_carlo';
});
clusters.sort((a, b) => a.p_log10 - b.p_log10 || b.accounts - a.accounts);

const headline = [];
const base = {
  'Example Front': { accounts: 1118, messages: 9000, engagement: 45670, keep: [0.62, 0.48, 0.41] },
  'Civic Alliance': { accounts: 860, messages: 5200, engagement: 30100, keep: [0.93, 0.9, 0.88] },
  'جبهه آزادی': { accounts: 540, messages: 3900, engagement: 21800, keep: [0.8, 0.71, 0.66] },
};
for (const actor of actors) {
  ['accounts', 'messages', 'engagement'].forEach((metric, k) => {
    const raw = base[actor][metric];
    const adjusted = Math.round(raw * base[actor].keep[k]);
    headline.push({ actor, metric, raw, adjusted, ci_low: Math.round(adjusted * 0.94), ci_high: Math.round(adjusted * 1.05) });
  });
}
const series = [];
for (const actor of actors) {
  for (let d = 0; d < days; d++) {
    const period = iso(day0 + d * 86400).slice(0, 10);
    const campaign = actor === 'Example Front' && d >= 18 && d <= 29 ? 2.6 : 1;
    const wave = 1 + 0.25 * Math.sin(d / 3) + 0.1 * rand();
    ['accounts', 'messages', 'engagement'].forEach((metric, k) => {
      const level = base[actor][metric] / days * 2.2 * wave;
      const raw = Math.round(level * campaign);
      const adjusted = Math.round(level * (campaign > 1 ? 1.05 : 1) * (base[actor].keep[k] + 0.1));
      series.push({ actor, period, metric, raw, adjusted, ci_low: Math.round(adjusted * 0.9), ci_high: Math.round(adjusted * 1.1) });
    });
  }
}
const shareOfVoice = [];
for (const metric of ['accounts', 'messages', 'engagement']) {
  const rows = headline.filter((r) => r.metric === metric);
  const rawSum = rows.reduce((s, r) => s + r.raw, 0);
  const adjSum = rows.reduce((s, r) => s + r.adjusted, 0);
  for (const r of rows) shareOfVoice.push({ actor: r.actor, metric, raw: round(100 * r.raw / rawSum, 2), adjusted: round(100 * r.adjusted / adjSum, 2) });
}
function histogram(values, lo, hi, n) {
  const bins = [];
  for (let i = 0; i < n; i++) bins.push({ lo: round(lo + (hi - lo) * i / n, 3), hi: round(lo + (hi - lo) * (i + 1) / n, 3), count: 0 });
  for (const v of values) bins[Math.min(n - 1, Math.max(0, Math.floor((v - lo) / (hi - lo) * n)))].count++;
  return bins;
}
const signals = [
  { name: 'inauthenticity_score', label: 'Inauthenticity score', unit: 'score', threshold: 0.7,
    bins: histogram(nodes.map((n) => n.score), 0, 1, 20) },
  { name: 'account_age_days', label: 'Account age at first post', unit: 'days',
    bins: histogram(nodes.map((n) => (n.cluster != null ? 5 + rand() * 40 : rand() * 2500)), 0, 2500, 25) },
  { name: 'posts_per_day', label: 'Posts per day', unit: 'posts/day',
    bins: histogram(nodes.map((n) => (n.cluster != null ? 20 + rand() * 60 : rand() ** 3 * 40)), 0, 80, 20) },
  { name: 'forward_share', label: 'Share of posts that are forwards', unit: 'fraction', threshold: 0.9,
    bins: histogram(nodes.map((n) => (n.cluster != null ? 0.7 + rand() * 0.3 : rand() * 0.6)), 0, 1, 20) },
];
const sensitivity = [];
const ef = headline.find((r) => r.actor === 'Example Front' && r.metric === 'accounts');
for (const [parameter, values, chosen, slope] of [['window_s', [10, 30, 60, 120, 300], 60, -0.0004],
  ['similarity', [0.7, 0.8, 0.9], 0.8, 0.35], ['fdr', [0.01, 0.05, 0.1], 0.05, -0.8], ['score_threshold', [0.5, 0.7, 0.9], 0.7, 0.25]]) {
  for (const value of values) {
    const adjusted = Math.round(ef.adjusted * (1 + slope * (value - chosen)));
    sensitivity.push({ parameter, value, actor: 'Example Front', metric: 'accounts', adjusted,
      ci_low: Math.round(adjusted * 0.94), ci_high: Math.round(adjusted * 1.05), baseline: value === chosen });
  }
}

// The data overview: two platforms, posts and service events per day, the most active
// accounts, the most shared objects (hostile ones among them), languages, gaps, rejects.
const overview = (() => {
  const platforms = ['telegram', 'twitter'];
  const daily = [];
  for (let d = 0; d < days; d++) {
    if (d === 20 || d === 21) continue;  // a two-day collection outage
    const day = iso(day0 + d * 86400).slice(0, 10);
    for (const platform of platforms) {
      const level = platform === 'telegram' ? 1100 : 350;
      const campaign = d >= 18 && d <= 29 ? 1.8 : 1;
      const messages = Math.round(level * campaign * (0.8 + 0.4 * rand()));
      daily.push({ platform, day, messages, events: platform === 'telegram' ? Math.floor(rand() * 9) : 0,
        accounts: Math.round(messages / (3 + rand() * 2)) });
    }
  }
  const byMessages = [...nodes].sort((a, b) => b.messages - a.messages || (a.id < b.id ? -1 : 1)).slice(0, 20);
  const top_accounts = byMessages.map((n) => ({ account: n.id, handle: n.handle, label: n.label, platform: n.platform,
    messages: n.messages, reposts: Math.floor(n.messages * (n.cluster != null ? 0.8 : 0.3)), active_days: 5 + Math.floor(rand() * 40),
    first_time: iso(day0 + Math.floor(rand() * 5 * 86400)), last_time: iso(day0 + (40 + Math.floor(rand() * 4)) * 86400), cluster: n.cluster }));
  const objects = {
    share: ['https://t.me/frontnews/88', 'https://t.me/azadi_news/1201', 'twitter:1767000000000000001', PAYLOADS[1]],
    link: ['https://example.org/statement', 'https://news.example.com/2024/03/rally', `https://example.org/${PAYLOADS[2]}`],
    domain: ['example.org', 'news.example.com', 't.me'],
    hashtag: ['#آزادی', '#ExampleFront', '#CivicAlliance'],
  };
  const behaviours = [];
  const top_objects = [];
  for (const [behaviour, list] of Object.entries(objects)) {
    behaviours.push({ behaviour, actions: 4000 + Math.floor(rand() * 9000), objects: 900 + Math.floor(rand() * 3000),
      accounts: 150 + Math.floor(rand() * 200) });
    let count = 300 + Math.floor(rand() * 200);
    for (const object of list) {
      top_objects.push({ behaviour, object, messages: count, accounts: Math.max(1, Math.floor(count * (0.5 + rand() * 0.5))) });
      count = Math.floor(count * (0.4 + rand() * 0.4));
    }
  }
  const messages = daily.reduce((s, r) => s + r.messages, 0);
  return {
    first_time: iso(day0 + 3600), last_time: iso(day0 + (days - 1) * 86400 + 80000), messages: messages + 12, undated: 12,
    days, active_days: days - 2,
    platforms: platforms.map((platform) => ({ platform, messages: daily.filter((r) => r.platform === platform).reduce((s, r) => s + r.messages, 0),
      events: daily.filter((r) => r.platform === platform).reduce((s, r) => s + r.events, 0),
      accounts: nodes.filter((n) => n.platform === platform).length })),
    daily, top_accounts, behaviours, top_objects,
    languages: [{ name: 'fa', count: Math.round(messages * 0.61) }, { name: 'en', count: Math.round(messages * 0.3) },
      { name: '', count: messages - Math.round(messages * 0.61) - Math.round(messages * 0.3) }],
    gaps: [{ from: iso(day0 + 19 * 86400 + 86000), to: iso(day0 + 22 * 86400 + 300), hours: round((3 * 86400 + 300 - 86000) / 3600, 2) },
      { from: iso(day0 + 5 * 86400 + 7200), to: iso(day0 + 5 * 86400 + 7200 + 5400), hours: 1.5 }],
    rejected: 41,
    reject_reasons: [{ name: 'missing required field: date', count: 38 }, { name: `absurd timestamp (year N) ${PAYLOADS[0]}`, count: 3 }],
  };
})();

// What detection tested: three behaviours with the counts at each step, candidates that were
// not kept (hostile handles among them), and CooRTweet's count on the same data.
const funnel = (() => {
  const names = ['share', 'link', 'similar_text'];
  const behaviours = names.map((behaviour, i) => {
    const pairs = [9000, 2400, 700, 260, 120, 80, 40, 22, 12, 30].map((n) => Math.round(n / (i + 1)));
    const edges = pairs.slice(1).reduce((s, n) => s + n, 0);
    const kept = Math.round(edges * (0.4 - 0.1 * i));
    return { behaviour, actions: 20000 - 5000 * i, objects: 6000 - 1500 * i, crowded_actions: i === 0 ? 1340 : 0,
      co_acting_pairs: pairs.reduce((s, n) => s + n, 0), pairs_by_objects: pairs, edges,
      accounts_in_edges: Math.round(edges / 3), tested: true, cooccurrence_tested: behaviour !== 'similar_text',
      time_nominal: Math.round(edges * 0.7), time_fdr: Math.round(edges * 0.55),
      cooccurrence_nominal: behaviour !== 'similar_text' ? Math.round(edges * 0.6) : 0,
      cooccurrence_fdr: behaviour !== 'similar_text' ? Math.round(edges * 0.45) : 0,
      kept, accounts_kept: Math.round(kept / 4) };
  });
  const steps = ['both_nulls', 'time_null', 'cooccurrence_null'];
  const candidates = [];
  for (const b of behaviours) {
    for (let i = 0; i < 8; i++) {
      const x = nodes[(i * 37 + b.actions) % nodes.length];
      const y = nodes[(i * 53 + 11 + b.objects) % nodes.length];
      const near = i >= 5;
      const q = round(0.05 + rand() * 0.3, 4);
      candidates.push({ behaviour: b.behaviour,
        accounts: [x, y].map((n) => ({ account: n.id, handle: n.handle, label: n.label, platform: n.platform })),
        objects: near ? 1 : 2 + Math.floor(rand() * 3), pairs: 2 + Math.floor(rand() * 6), median_delay_s: round(rand() * 60, 1),
        first_time: iso(day0 + Math.floor(rand() * 40 * 86400)), last_time: iso(day0 + 44 * 86400),
        p_value: round(0.01 + rand() * 0.2, 3), q_value: near ? null : q,
        p_cooccurrence: b.cooccurrence_tested ? round(rand() * 0.1, 5) : null,
        q_cooccurrence: b.cooccurrence_tested && !near ? round(q * 1.5, 4) : null,
        common_objects: b.cooccurrence_tested ? 2 + Math.floor(rand() * 5) : null,
        expected_common: b.cooccurrence_tested ? round(rand() * 3, 3) : null,
        stopped: near ? 'repetition' : b.cooccurrence_tested ? steps[i % 3] : 'time_null' });
    }
  }
  candidates[1].accounts[0].handle = PAYLOADS[0];
  candidates[2].accounts[1].label = PAYLOADS[1];
  return { compat: 'none', window_s: 60, min_repetition: 2, fdr: 0.05, null_replicates: 99,
    clusters: clusters.length, coordinated_accounts: clusters.reduce((s, c) => s + c.accounts, 0),
    behaviours, candidates, peer_rule: 'CooRTweet', peer_min_participation: 2,
    peer: [{ behaviour: 'share', computed: true, message_pairs: 48210, edges: 6310, accounts: 1904, pairs: 21433, single_object: 4980, native_edges: 1114, native_kept: 520 },
      { behaviour: 'link', computed: false, message_pairs: 7200000, edges: 0, accounts: 0, pairs: 0, single_object: 0, native_edges: 0, native_kept: 0 }] };
})();

// Detection at neighbouring settings: clusters and accounts as one setting moves.
const detectionSensitivity = [];
for (const [parameter, values, chosen] of [['window_s', [30, 60, 120], 60], ['min_repetition', [1, 2, 3], 2],
  ['similarity', [0.7, 0.8, 0.9], 0.8], ['fdr', [0.01, 0.05, 0.1], 0.05]]) {
  for (const value of values) {
    const looser = (parameter === 'similarity' || parameter === 'min_repetition') ? value < chosen : value > chosen;
    const tighter = value !== chosen && !looser;
    const scale = looser ? 1.6 : tighter ? 0.7 : 1;
    const base = funnel.behaviours.reduce((s, b) => s + b.kept, 0);
    detectionSensitivity.push({ parameter, value, baseline: value === chosen,
      edges_tested: Math.round(base * 2.2 * scale), edges_kept: Math.round(base * scale),
      clusters: Math.round(clusters.length * scale), coordinated_accounts: Math.round(funnel.coordinated_accounts * scale) });
  }
}

// What drives each actor's heavy-tailed totals: the top accounts (hostile names among them),
// their shares and what each adds over the classifications. No random draws, so the rest of
// the fixture keeps its values.
const drivers = [];
const topAccounts = [nodes[0], nodes[1], nodes[nodes.length - 1], nodes[nodes.length - 2], nodes[5]];
actors.forEach((actor, a) => {
  [['views', 48200000], ['reactions', 910000], ['engagement', 1250000]].forEach(([metric, total], m) => {
    const raw = Math.round(total * (1 + 0.3 * a));
    const shares = [41.5 - 4 * m, 12.25, 3.5, 1.75 + 0.5 * a, 0.875];
    const top = topAccounts.map((n, i) => {
      const part = Math.round(raw * shares[i] / 100);
      const counted = i === 1 ? [0, part] : i === 4 ? [0, 0] : [part, part];  // by score; in a cluster
      return { account: n.id, handle: n.handle, label: n.label, platform: n.platform, raw: part,
        share_pct: shares[i], adjusted: i === 1 ? 0 : counted[0], adjusted_low: counted[0], adjusted_high: counted[1] };
    });
    const adjusted = raw - top[1].raw - top[4].raw;
    drivers.push({ actor, metric, raw, adjusted, ci_low: adjusted, ci_high: adjusted + top[1].raw,
      top_share_pct: shares.reduce((s, x) => s + x, 0), uncertain_accounts: 1 + a,
      uncertain_share_pct: shares[1] + 0.01 * a, top });
  });
});

const data = {
  meta: {
    title: 'Support for three actors on Telegram and Twitter (synthetic fixture)',
    version: '0.1.0', generated_at: '2024-04-16T09:30:00Z', seed: 1, period: 'day',
    parameters: { behaviours: 'share,link,similar_text,hashtag', window_s: 60, min_repetition: 2, similarity: 0.8,
      fdr: 0.05, null_replicates: 99, score_threshold: 0.7, bootstrap_replicates: 1000 },
    interval: 'range over 63 reasonable classifications',
  },
  overview,
  funnel,
  provenance: {
    files: [
      { path: 'exports/front_news/result.json', format: 'telegram-export', records_read: 40211, stored: 39870, duplicates: 300, rejected: 41 },
      { path: 'exports/azadi_news/result.json', format: 'telegram-export', records_read: 18210, stored: 18100, duplicates: 110, rejected: 0 },
      { path: 'exports/tweets.jsonl.zst', format: 'twitter-v2', records_read: 8301, stored: 7220, duplicates: 1081, rejected: 0 },
      { path: `exports/${PAYLOADS[0]}.csv`, format: 'telegram-csv', records_read: 1190, stored: 1044, duplicates: 146, rejected: 0 },
    ],
    totals: { messages: 66031, events: 203, accounts: totalAccounts },
    reject_samples: [
      { file: 'exports/front_news/result.json', position: 'byte 1838201', reason: 'missing required field: date', excerpt: '{"id": 88121, "type": "message", "text": "..."' },
      { file: 'exports/front_news/result.json', position: 'byte 2210933', reason: 'absurd timestamp (year 1901)', excerpt: `{"id": 90001, "text": "${PAYLOADS[2]}"` },
    ],
  },
  headline,
  series,
  share_of_voice: shareOfVoice,
  drivers,
  network: { nodes, edges },
  clusters,
  signals,
  sensitivity,
  detection_sensitivity: detectionSensitivity,
  assumptions: [
    'Accounts in a significant coordinated cluster (FDR q = 0.05) are removed from the adjusted figures; each such cluster counts as one voice.',
    'Accounts with an inauthenticity score of 0.7 or more are removed from the adjusted figures.',
    'A channel post\'s views include views of its forwarded copies, so views are not added across forwards.',
    'Ranges are the lowest and highest value of the adjusted figure over the 63 reasonable classifications of the accounts: the export is taken as the whole population.',
    'Only messages that match an actor\'s support markers count as support; mentions matching opposition markers do not.',
    'پیام‌هایی که تنها نام یک جبهه را ذکر می‌کنند حمایت شمرده نمی‌شوند.',
  ],
};
fs.writeFileSync(out, `${JSON.stringify(data, null, 1)}\n`);
console.log(`wrote ${out}: ${nodes.length} accounts, ${edges.length} edges, ${clusters.length} clusters`);
