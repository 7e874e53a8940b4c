-- Moves the vouchers a database made by the key/value layout holds in its buckets into pt_voucher, then deletes
-- those pairs and the expiry index: migration 5 includes it, and mkpf-server copy-store into PostgreSQL runs it
-- after the copy.
INSERT INTO pt_voucher (number, points, program_id, mykey_id, expires, issued_at, issued_by, cleared_at, cleared_by,
		lapsed_at, qr, reissues)
	SELECT convert_from(k, 'UTF8'), (j->>'points')::bigint, j->>'program_id', j->>'mykey_id', (j->>'expires')::date,
		(j->>'issued_at')::timestamptz, j->>'issued_by',
		CASE WHEN j->>'state' = 'cleared' THEN COALESCE((j->>'cleared_at')::timestamptz, (j->>'issued_at')::timestamptz) END,
		CASE WHEN j->>'state' = 'cleared' THEN COALESCE(NULLIF(j->>'cleared_by', ''), '(unknown)') END,
		CASE WHEN j->>'state' = 'lapsed' THEN COALESCE((j->>'lapsed_at')::timestamptz, (j->>'issued_at')::timestamptz) END,
		COALESCE(j->>'qr', ''), COALESCE((j->>'reissues')::int, 0)
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'pt_vouchers') v;

DELETE FROM kv WHERE bucket IN ('pt_vouchers', 'pt_voucher_expiry');
