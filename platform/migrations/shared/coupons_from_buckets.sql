-- Moves the coupon codes and partner companies a database made by the key/value layout holds in its buckets into
-- coupon_partner and coupon, then deletes those pairs: migration 5 includes it, and mkpf-server copy-store into
-- PostgreSQL runs it after the copy. A code's partner missing from mk_partners is registered from the code.
INSERT INTO coupon_partner (name, created_at)
	SELECT convert_from(k, 'UTF8'), COALESCE((convert_from(v, 'UTF8')::jsonb->>'created_at')::timestamptz, now())
	FROM kv WHERE bucket = 'mk_partners';

INSERT INTO coupon_partner (name, created_at)
	SELECT DISTINCT j->>'partner', now() FROM (SELECT convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'mk_coupons') c
	ON CONFLICT (name) DO NOTHING;

INSERT INTO coupon (code_hash, partner, points, issued_at, used_at, used_by)
	SELECT convert_from(k, 'UTF8'), j->>'partner', (j->>'points')::bigint, (j->>'issued_at')::timestamptz,
		CASE WHEN COALESCE(j->>'used_by', '') <> '' THEN COALESCE((j->>'used_at')::timestamptz, (j->>'issued_at')::timestamptz) END,
		NULLIF(j->>'used_by', '')
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'mk_coupons') c;

DELETE FROM kv WHERE bucket IN ('mk_coupons', 'mk_partners');
