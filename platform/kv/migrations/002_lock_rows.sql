-- Lock rows, for databases without advisory locks (mkpf_writer_lock=row: CockroachDB, YugabyteDB).
CREATE TABLE kv_locks (name TEXT PRIMARY KEY);
INSERT INTO kv_locks (name) VALUES ('writer');
