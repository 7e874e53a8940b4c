-- Moves the identity records a database made by the key/value layout holds in its buckets into the identity tables,
-- then deletes those pairs: migration 4 includes it, and mkpf-server copy-store into PostgreSQL runs it after the
-- copy. A serial or service ID whose patron is gone (bbolt kept no such rule) is left behind: no lookup found it.
INSERT INTO id_issuer (id, name, municipality_code, handoff, show_mykey_id)
	SELECT convert_from(k, 'UTF8'), COALESCE(j->>'name', ''), COALESCE(j->>'municipality_code', ''),
		COALESCE(j->'handoff', '{}'::jsonb), COALESCE((j->>'show_mykey_id')::boolean, false)
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'issuers') i;

INSERT INTO id_patron (mykey_id, auth_serial, not_after, created_at)
	SELECT convert_from(k, 'UTF8'), COALESCE(j->>'auth_serial', ''), (j->>'not_after')::timestamptz,
		(j->>'created_at')::timestamptz
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'patrons') p;

INSERT INTO id_serial (serial, mykey_id)
	SELECT convert_from(k, 'UTF8'), convert_from(v, 'UTF8') FROM kv
	WHERE bucket = 'serials' AND convert_from(v, 'UTF8') IN (SELECT mykey_id FROM id_patron);

INSERT INTO id_service (mykey_id, issuer_id, card_number, address_notice, sign_serial, registered_at)
	SELECT split_part(kt, '/', 1), substr(kt, strpos(kt, '/') + 1), j->>'card_number',
		COALESCE((j->>'address_notice')::boolean, false), NULLIF(j->>'sign_serial', ''),
		COALESCE((j->>'registered_at')::timestamptz, '0001-01-01T00:00:00Z')
	FROM (SELECT convert_from(k, 'UTF8') AS kt, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'service_ids') s
	WHERE split_part(kt, '/', 1) IN (SELECT mykey_id FROM id_patron)
		AND substr(kt, strpos(kt, '/') + 1) IN (SELECT id FROM id_issuer);

INSERT INTO id_card_validity (issuer_id, card_number, status, since)
	SELECT split_part(kt, '/', 1), substr(kt, strpos(kt, '/') + 1), j->>'status', (j->>'since')::timestamptz
	FROM (SELECT convert_from(k, 'UTF8') AS kt, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'card_validity') v
	WHERE split_part(kt, '/', 1) IN (SELECT id FROM id_issuer) AND COALESCE(j->>'status', '') <> '';

INSERT INTO id_revoked (serial, at, reason)
	SELECT convert_from(k, 'UTF8'), COALESCE((j->>'at')::timestamptz, now()), COALESCE(j->>'reason', '')
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'revoked') r;

INSERT INTO id_address_notice (sign_serial, at)
	SELECT convert_from(k, 'UTF8'), COALESCE((j->>'at')::timestamptz, now())
	FROM (SELECT k, convert_from(v, 'UTF8')::jsonb AS j FROM kv WHERE bucket = 'address_notices') a;

DELETE FROM kv WHERE bucket IN ('issuers', 'patrons', 'serials', 'service_ids', 'card_numbers', 'card_validity',
	'revoked', 'address_notices');
