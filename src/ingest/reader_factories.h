// Factories and content sniffers of the format readers; formats.cc lists them in the
// registry. Per format of docs/contract.md §2: a factory, and a text sniffer (CSV headers, Telegram
// Desktop's document), a record sniffer (JSON records) or both.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string_view>

#include "ingest/reader.h"

namespace groundswell {

std::unique_ptr<Reader> make_telegram_export_reader();
int sniff_telegram_export(std::string_view head, std::string_view path);
int sniff_telegram_export_record(simdjson::dom::element record);

std::unique_ptr<Reader> make_telethon_reader();
int sniff_telethon_record(simdjson::dom::element record);

std::unique_ptr<Reader> make_telegram_csv_reader();
int sniff_telegram_csv(std::string_view head, std::string_view path);

std::unique_ptr<Reader> make_twitter_io_reader();
int sniff_twitter_io(std::string_view head, std::string_view path);

std::unique_ptr<Reader> make_twitter_v2_reader();
int sniff_twitter_v2_record(simdjson::dom::element record);

std::unique_ptr<Reader> make_twitter_v1_reader();
int sniff_twitter_v1_record(simdjson::dom::element record);

std::unique_ptr<Reader> make_canonical_reader();
int sniff_canonical(std::string_view head, std::string_view path);
int sniff_canonical_record(simdjson::dom::element record);

std::unique_ptr<Reader> make_coortweet_reader();
int sniff_coortweet(std::string_view head, std::string_view path);

std::unique_ptr<Reader> make_cnt_reader();
int sniff_cnt(std::string_view head, std::string_view path);

}  // namespace groundswell
