-- The points ledger's money rows as typed tables (platform/ledger_rows_pg.go): balances, movements, idempotency,
-- day totals, lots. The movement kinds of pt_move_kind are platform's moveKinds (TestLedgerMigration_KindsMatch).
CREATE TABLE pt_balance (
	mykey_id   TEXT   NOT NULL,
	program_id TEXT   NOT NULL,
	points     BIGINT NOT NULL CONSTRAINT pt_balance_never_negative CHECK (points >= 0),
	PRIMARY KEY (mykey_id, program_id));

CREATE SEQUENCE pt_move_seq;

CREATE TABLE pt_move (
	seq         BIGINT      PRIMARY KEY DEFAULT nextval('pt_move_seq'),
	at          TIMESTAMPTZ NOT NULL,
	kind        TEXT        NOT NULL CONSTRAINT pt_move_kind CHECK (kind IN ('grant', 'use', 'voucher_issue', 'voucher_clear', 'voucher_lapse', 'merge', 'points_expire', 'mykey_change', 'reserved_to_base')),
	mykey_id    TEXT,
	program_id  TEXT        NOT NULL,
	points      BIGINT      NOT NULL CONSTRAINT pt_move_points_positive CHECK (points > 0),
	delta       BIGINT      NOT NULL CONSTRAINT pt_move_delta CHECK (delta IN (-points, 0, points)),
	terminal_id TEXT,
	voucher_no  TEXT,
	merge_txn   TEXT,
	note        TEXT,
	CONSTRAINT pt_move_balance_has_holder CHECK (delta = 0 OR mykey_id IS NOT NULL));

ALTER SEQUENCE pt_move_seq OWNED BY pt_move.seq;

CREATE INDEX pt_move_by_terminal ON pt_move (terminal_id, at, seq) WHERE terminal_id IS NOT NULL;

CREATE INDEX pt_move_by_holder ON pt_move (mykey_id, program_id);

CREATE TABLE pt_terminal_marker (
	terminal_id TEXT   PRIMARY KEY,
	seq         BIGINT NOT NULL);

CREATE TABLE idempotency (
	terminal_id TEXT        NOT NULL,
	key         TEXT        NOT NULL CONSTRAINT idempotency_key_length CHECK (length(key) BETWEEN 1 AND 128),
	req_hash    BYTEA       NOT NULL CONSTRAINT idempotency_hash_sha256 CHECK (length(req_hash) = 32),
	status      INT         NOT NULL CONSTRAINT idempotency_status CHECK (status BETWEEN 200 AND 599),
	body        BYTEA       NOT NULL,
	stored_at   TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (terminal_id, key));

CREATE INDEX idempotency_by_time ON idempotency (stored_at);

CREATE SEQUENCE pt_lot_seq;

CREATE TABLE pt_lot (
	mykey_id   TEXT   NOT NULL,
	program_id TEXT   NOT NULL,
	last_day   DATE   NOT NULL,
	seq        BIGINT NOT NULL DEFAULT nextval('pt_lot_seq'),
	points     BIGINT NOT NULL CONSTRAINT pt_lot_points_positive CHECK (points > 0),
	PRIMARY KEY (mykey_id, program_id, last_day, seq));

ALTER SEQUENCE pt_lot_seq OWNED BY pt_lot.seq;

CREATE INDEX pt_lot_by_last_day ON pt_lot (last_day);

CREATE TABLE pt_floor_day_total (
	key       TEXT        PRIMARY KEY,
	day_start TIMESTAMPTZ NOT NULL,
	points    BIGINT      NOT NULL CONSTRAINT pt_floor_day_total_never_negative CHECK (points >= 0));

-- A database made by the key/value layout: its ledger pairs move into the tables.
{{ template "shared/ledger_from_buckets.sql" . }}
