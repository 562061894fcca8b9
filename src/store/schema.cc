#include "store/schema.h"

#include <array>

namespace groundswell {
namespace {

// Version 1: provenance (runs, files, rejects) and the canonical model (accounts, messages).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  command     TEXT NOT NULL,
  parameters  TEXT NOT NULL,          -- JSON object of the command's options
  version     TEXT NOT NULL,          -- groundswell version
  started_at  TEXT NOT NULL,          -- ISO 8601 UTC
  finished_at TEXT,
  seconds     REAL,
  status      TEXT NOT NULL DEFAULT 'running',  -- running | ok | failed
  stats       TEXT                    -- JSON object of counts
);

CREATE TABLE files (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER NOT NULL REFERENCES runs(id),
  path            TEXT NOT NULL,
  digest          TEXT NOT NULL,      -- xxh3-128 of the raw bytes, hex
  bytes           INTEGER NOT NULL,
  format          TEXT NOT NULL,
  completed       INTEGER NOT NULL DEFAULT 0,
  records_read    INTEGER,
  stored          INTEGER,
  duplicates      INTEGER,
  conflicts       INTEGER,
  rejected        INTEGER,
  account_records INTEGER,
  utf8_repaired   INTEGER
);

CREATE TABLE accounts (
  id           INTEGER PRIMARY KEY,   -- dense interned id used by the analysis
  platform     TEXT NOT NULL,
  account_id   TEXT NOT NULL,         -- native id: user123, channel123, a tweet author's id
  handle       TEXT,
  display_name TEXT,
  created_at   INTEGER,               -- ms since epoch, UTC
  followers    INTEGER,               -- subscribers for a channel
  following    INTEGER,
  posts        INTEGER,
  description  TEXT,
  verified     INTEGER,
  kind         TEXT,                  -- user | channel | group | bot
  UNIQUE (platform, account_id)
);

CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  platform           TEXT NOT NULL,
  chat_id            TEXT NOT NULL,
  message_id         TEXT NOT NULL,
  account            INTEGER REFERENCES accounts(id),
  time_ms            INTEGER,         -- ms since epoch, UTC
  time_resolution_ms INTEGER,         -- 1, 1000, or 60000 for minute-resolution sources
  kind               INTEGER NOT NULL, -- 0 post, 1 event (service message)
  text               TEXT,
  lang               TEXT,
  reply_to           TEXT,
  shares             TEXT,
  quotes             TEXT,
  urls               TEXT,            -- JSON array, as written
  hashtags           TEXT,            -- JSON array
  mentions           TEXT,            -- JSON array
  media_key          TEXT,
  views              INTEGER,
  forwards           INTEGER,
  replies            INTEGER,
  reactions          INTEGER,
  likes              INTEGER,
  retweets           INTEGER,
  quotes_count       INTEGER,
  reactions_detail   TEXT,            -- JSON object emoji -> count
  digest             INTEGER NOT NULL, -- xxh3-64 of the content, to tell exact from conflicting duplicates
  file_id            INTEGER REFERENCES files(id),
  line               INTEGER,
  byte_offset        INTEGER,
  UNIQUE (platform, chat_id, message_id)
);

CREATE TABLE rejects (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  file        TEXT NOT NULL,
  line        INTEGER,
  byte_offset INTEGER,
  reason      TEXT NOT NULL,
  excerpt     TEXT
);
)sql";

// Version 2: coordination detection results (src/detect, docs/detection.md). One row in
// detections per detect run; edges, clusters and cluster members refer to it.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE detections (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER REFERENCES runs(id),
  created_at     TEXT NOT NULL,       -- ISO 8601 UTC
  compat         TEXT NOT NULL,       -- none | coortweet | cnt
  parameters     TEXT NOT NULL,       -- JSON object of the detection options (seed included)
  seed           INTEGER NOT NULL,
  edges          INTEGER NOT NULL,    -- edges that met min_repetition
  kept_edges     INTEGER NOT NULL,    -- kept under FDR control (all without a null model)
  clusters       INTEGER NOT NULL,
  leiden_quality REAL
);

CREATE TABLE detection_edges (
  detection_id    INTEGER NOT NULL REFERENCES detections(id),
  source          INTEGER NOT NULL REFERENCES accounts(id),
  target          INTEGER NOT NULL REFERENCES accounts(id),
  behaviour       TEXT NOT NULL,
  weight          REAL NOT NULL,
  pairs           INTEGER NOT NULL,
  objects         INTEGER NOT NULL,
  median_delay_s  REAL,
  mean_delay_s    REAL,
  first_time_ms   INTEGER,
  last_time_ms    INTEGER,
  p_value         REAL,               -- NULL when not tested
  kept            INTEGER NOT NULL,   -- 1 if kept under FDR control
  evidence        TEXT                -- JSON array of [source message id, target message id] (messages.id)
);
CREATE INDEX detection_edges_by_detection ON detection_edges(detection_id, source, target);

CREATE TABLE detection_clusters (
  detection_id      INTEGER NOT NULL REFERENCES detections(id),
  cluster_id        INTEGER NOT NULL,  -- 1..K in order of evidence
  accounts          INTEGER NOT NULL,
  messages          INTEGER NOT NULL,
  behaviours        TEXT NOT NULL,     -- ';'-separated
  first_time_ms     INTEGER,
  last_time_ms      INTEGER,
  median_delay_s    REAL,
  share_of_activity REAL,
  weight            REAL,
  p_value           REAL,
  top_objects       TEXT,              -- JSON array of {behaviour, object, messages}
  PRIMARY KEY (detection_id, cluster_id)
);

CREATE TABLE detection_cluster_accounts (
  detection_id        INTEGER NOT NULL REFERENCES detections(id),
  cluster_id          INTEGER NOT NULL,
  account             INTEGER NOT NULL REFERENCES accounts(id),
  coordination_degree INTEGER NOT NULL,
  PRIMARY KEY (detection_id, account)
);
)sql";

// Version 3: messages keyed by (platform, dataset, chat_id, message_id). `dataset` qualifies
// the keys of formats whose ids are unique only within one dataset (coortweet, cnt,
// canonical: the input file's stem, or --dataset); '' for platform-wide ids (Telegram,
// Twitter). The key is a named unique index rather than a table constraint. Rows of earlier
// versions keep dataset ''.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE messages_v3 (
  id                 INTEGER PRIMARY KEY,
  platform           TEXT NOT NULL,
  dataset            TEXT NOT NULL DEFAULT '', -- qualifies dataset-local ids ('' = platform-wide)
  chat_id            TEXT NOT NULL,
  message_id         TEXT NOT NULL,
  account            INTEGER REFERENCES accounts(id),
  time_ms            INTEGER,
  time_resolution_ms INTEGER,
  kind               INTEGER NOT NULL,
  text               TEXT,
  lang               TEXT,
  reply_to           TEXT,
  shares             TEXT,
  quotes             TEXT,
  urls               TEXT,
  hashtags           TEXT,
  mentions           TEXT,
  media_key          TEXT,
  views              INTEGER,
  forwards           INTEGER,
  replies            INTEGER,
  reactions          INTEGER,
  likes              INTEGER,
  retweets           INTEGER,
  quotes_count       INTEGER,
  reactions_detail   TEXT,
  digest             INTEGER NOT NULL,
  file_id            INTEGER REFERENCES files(id),
  line               INTEGER,
  byte_offset        INTEGER
);
INSERT INTO messages_v3(id, platform, chat_id, message_id, account, time_ms, time_resolution_ms,
  kind, text, lang, reply_to, shares, quotes, urls, hashtags, mentions, media_key, views,
  forwards, replies, reactions, likes, retweets, quotes_count, reactions_detail, digest, file_id,
  line, byte_offset)
SELECT id, platform, chat_id, message_id, account, time_ms, time_resolution_ms, kind, text, lang,
  reply_to, shares, quotes, urls, hashtags, mentions, media_key, views, forwards, replies,
  reactions, likes, retweets, quotes_count, reactions_detail, digest, file_id, line, byte_offset
FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v3 RENAME TO messages;
CREATE UNIQUE INDEX messages_key ON messages(platform, dataset, chat_id, message_id);
)sql";

// Version 4: indexes for browsing detection results (groundswell serve, docs/serve.md): an
// account's co-action partners whichever end of the edge it is, and a cluster's members in
// account order (keyset paging).
constexpr std::string_view kV4 = R"sql(
CREATE INDEX detection_edges_by_target ON detection_edges(detection_id, target, source);
CREATE INDEX detection_cluster_members ON detection_cluster_accounts(detection_id, cluster_id, account);
)sql";

// Version 5: a file read again (a re-run, or the run after an interrupted one) looks up the
// earlier reads of its path, and replaces their rejects with its own.
constexpr std::string_view kV5 = R"sql(
CREATE INDEX files_by_path ON files(path);
CREATE INDEX rejects_by_file ON rejects(file);
)sql";

// Version 6: each cluster's verdict (detect/verdict.h; docs/detection.md, "Verdicts") and the
// evidence it rests on, stored with the cluster, so what reads the store (groundswell serve)
// shows what the report shows. Clusters stored before version 6 keep NULL: not recorded.
constexpr std::string_view kV6 = R"sql(
ALTER TABLE detection_clusters ADD COLUMN created_spread_days REAL;
ALTER TABLE detection_clusters ADD COLUMN verdict TEXT;           -- inauthentic | organic | undetermined
ALTER TABLE detection_clusters ADD COLUMN verdict_reasons TEXT;   -- the sentences that decided it, joined by "; "
ALTER TABLE detection_clusters ADD COLUMN verdict_evidence TEXT;  -- JSON object of the figures behind it
)sql";

// Version 7: a version of the data that changes with every transaction writing messages or
// accounts, so that the analysis columns saved beside the store (X.db.columns,
// store/dataset_cache.h) know when they are stale. groundswell's writers give it a new value
// before they commit (kNewDataVersion, store.h); the triggers do so for any update or delete of
// a message or an account, whoever makes it (the sqlite3 shell included). Inserts by other
// programs are seen by the largest ids of messages and accounts, which the cache also records.
constexpr std::string_view kV7 = R"sql(
CREATE TABLE store_state (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  data_version TEXT NOT NULL
);
INSERT INTO store_state(id, data_version) VALUES(1, lower(hex(randomblob(16))));
CREATE TRIGGER messages_updated AFTER UPDATE ON messages BEGIN
  UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1;
END;
CREATE TRIGGER messages_deleted AFTER DELETE ON messages BEGIN
  UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1;
END;
CREATE TRIGGER accounts_updated AFTER UPDATE ON accounts BEGIN
  UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1;
END;
CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts BEGIN
  UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1;
END;
)sql";

// Version 8: the message key's unique index lists the message id first. Its columns are
// compared in order, and platform and dataset are the same for most rows of a store, so
// building the index after a bulk load (and every lookup) compares one short string instead of
// three. Same key, same uniqueness. A store whose bulk load was killed has no index to drop.
constexpr std::string_view kV8 = R"sql(
DROP INDEX IF EXISTS messages_key;
CREATE UNIQUE INDEX messages_key ON messages(message_id, chat_id, dataset, platform);
)sql";

// Version 9: the support figures of a detection (docs/serve.md, "Support figures on the actor
// pages"), stored once by what computes them — `run --actors` at the end of its analysis,
// groundswell serve for a detection without them — so reading them (the actor pages) never
// recomputes them. One row per detection and actors file (by the SHA-256 of its bytes).
constexpr std::string_view kV9 = R"sql(
CREATE TABLE detection_support (
  detection_id  INTEGER NOT NULL REFERENCES detections(id),
  actors_sha256 TEXT NOT NULL,        -- of the actors file's bytes, 64 hex digits
  actors_file   TEXT NOT NULL,        -- the file's name, without its directory
  run_id        INTEGER REFERENCES runs(id),  -- the run that computed them; NULL: groundswell serve
  created_at    TEXT NOT NULL,        -- ISO 8601 UTC
  figures       TEXT NOT NULL,        -- JSON object (docs/schema.md); accounts as accounts.id
  PRIMARY KEY (detection_id, actors_sha256)
);
)sql";

// Version 10: the accounts' key gets a unique index of its own, `accounts_key`, in place of the
// table's UNIQUE constraint (an index SQLite would not let a bulk load drop). A bulk load sets it
// aside like the message key's and builds it once after the load: kept row by row, it took a
// quarter of the time of a narrow CSV's ingest. The message id's lesson applies (kV8): the
// account id first, as platform is the same for most rows. The table is rebuilt with the same
// rows and ids (foreign keys are off during migrations, so the messages' references are left
// as they are) and its triggers (kV7) are made again.
constexpr std::string_view kV10 = R"sql(
CREATE TABLE accounts_v10 (
  id           INTEGER PRIMARY KEY,   -- dense interned id used by the analysis
  platform     TEXT NOT NULL,
  account_id   TEXT NOT NULL,         -- native id: user123, channel123, a tweet author's id
  handle       TEXT,
  display_name TEXT,
  created_at   INTEGER,               -- ms since epoch, UTC
  followers    INTEGER,               -- subscribers for a channel
  following    INTEGER,
  posts        INTEGER,
  description  TEXT,
  verified     INTEGER,
  kind         TEXT                   -- user | channel | group | bot
);
INSERT INTO accounts_v10(id, platform, account_id, handle, display_name, created_at, followers,
  following, posts, description, verified, kind)
SELECT id, platform, account_id, handle, display_name, created_at, followers, following, posts,
  description, verified, kind
FROM accounts ORDER BY id;
DROP TABLE accounts;
ALTER TABLE accounts_v10 RENAME TO accounts;
CREATE UNIQUE INDEX accounts_key ON accounts(account_id, platform);
CREATE TRIGGER accounts_updated AFTER UPDATE ON accounts BEGIN
  UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1;
END;
CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts BEGIN
  UPDATE store_state SET data_version = lower(hex(randomblob(16))) WHERE id = 1;
END;
)sql";

constexpr std::array<std::string_view, 10> kMigrations = {kV1, kV2, kV3, kV4, kV5,
                                                          kV6, kV7, kV8, kV9, kV10};

}  // namespace

std::span<const std::string_view> schema_migrations() { return kMigrations; }

std::span<const IndexSql> bulk_load_indexes() {
  // As the latest migration to define each leaves it (kV8 for messages_key, kV10 for
  // accounts_key).
  static constexpr std::array<IndexSql, 2> kIndexes = {{
      {"messages_key",
       "CREATE UNIQUE INDEX IF NOT EXISTS messages_key ON messages(message_id, chat_id, dataset, "
       "platform)"},
      {"accounts_key",
       "CREATE UNIQUE INDEX IF NOT EXISTS accounts_key ON accounts(account_id, platform)"},
  }};
  return kIndexes;
}

}  // namespace groundswell
