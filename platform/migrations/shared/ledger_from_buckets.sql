-- Moves the money rows a database made by the key/value layout holds in its buckets into the ledger's tables, then
-- deletes those pairs: migration 3 includes it, and mkpf-server copy-store into PostgreSQL runs it after the copy.
INSERT INTO pt_balance (mykey_id, program_id, points)
	SELECT split_part(kt, '/', 1), substr(kt, strpos(kt, '/') + 1), ('x' || encode(v, 'hex'))::bit(64)::bigint
	FROM (SELECT convert_from(k, 'UTF8') AS kt, v FROM kv WHERE bucket = 'pt_balances' AND length(v) = 8) b;

INSERT INTO pt_move (seq, at, kind, mykey_id, program_id, points, delta, terminal_id, voucher_no, merge_txn, note)
	SELECT (j->>'seq')::bigint, (j->>'at')::timestamptz, j->>'kind', NULLIF(j->>'mykey_id', ''), j->>'program_id',
		(j->>'points')::bigint, (j->>'delta')::bigint, NULLIF(j->>'terminal_id', ''), NULLIF(j->>'voucher_no', ''),
		NULLIF(j->>'merge_txn', ''), NULLIF(j->>'note', '')
	FROM (SELECT convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'pt_moves') m;

SELECT setval('pt_move_seq', GREATEST(1,
	(SELECT COALESCE(MAX(seq), 0) FROM pt_move),
	(SELECT COALESCE(MAX(seq), 0) FROM kv_buckets WHERE name = 'pt_moves')));

INSERT INTO pt_terminal_marker (terminal_id, seq)
	SELECT convert_from(k, 'UTF8'), ('x' || encode(v, 'hex'))::bit(64)::bigint FROM kv
	WHERE bucket = 'pt_term_last' AND length(v) = 8;

INSERT INTO idempotency (terminal_id, key, req_hash, status, body, stored_at)
	SELECT split_part(kt, '/', 1), substr(kt, strpos(kt, '/') + 1), decode(j->>'req_hash', 'base64'),
		(j->>'status')::int, convert_to((j->'body')::text, 'UTF8'), COALESCE((j->>'at')::timestamptz, now())
	FROM (SELECT convert_from(k, 'UTF8') AS kt, convert_from(v, 'UTF8')::json AS j FROM kv WHERE bucket = 'idempotency') i;

INSERT INTO pt_floor_day_total (key, day_start, points)
	SELECT convert_from(k, 'UTF8'), (j->>'start')::timestamptz, (j->>'n')::bigint
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv
		WHERE bucket = 'throttles' AND k >= 'floor/'::bytea AND k < 'floor0'::bytea) f;

INSERT INTO pt_lot (mykey_id, program_id, last_day, seq, points)
	SELECT split_part(kt, '/', 1), split_part(kt, '/', 2), split_part(kt, '/', 3)::date,
		('x' || lpad(split_part(kt, '/', 4), 16, '0'))::bit(64)::bigint, ('x' || encode(v, 'hex'))::bit(64)::bigint
	FROM (SELECT convert_from(k, 'UTF8') AS kt, v FROM kv WHERE bucket = 'pt_lots' AND length(v) = 8) l
	WHERE ('x' || encode(v, 'hex'))::bit(64)::bigint > 0;

SELECT setval('pt_lot_seq', GREATEST(1, (SELECT COALESCE(MAX(seq), 0) FROM pt_lot),
	(SELECT COALESCE(MAX(seq), 0) FROM kv_buckets WHERE name = 'pt_lots')));

DELETE FROM kv WHERE bucket IN ('pt_balances', 'pt_moves', 'pt_by_terminal', 'pt_term_last', 'pt_totals',
	'idempotency', 'idempotency_by_time', 'pt_lots');

DELETE FROM kv WHERE bucket = 'throttles' AND k >= 'floor/'::bytea AND k < 'floor0'::bytea;
