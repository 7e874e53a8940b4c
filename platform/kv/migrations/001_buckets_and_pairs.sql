-- The key/value layout: the buckets and their sequences, and every pair of every bucket (bytea compares as bytes,
-- like bbolt, so a prefix scan walks the same keys in the same order on both stores).
CREATE TABLE kv_buckets (name TEXT PRIMARY KEY, seq BIGINT NOT NULL DEFAULT 0);
CREATE TABLE kv (bucket TEXT NOT NULL, k BYTEA NOT NULL, v BYTEA NOT NULL, PRIMARY KEY (bucket, k));
