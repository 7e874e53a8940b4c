-- The identity records as typed tables (platform/identity_rows_pg.go): issuers, patrons (MyKey IDs), their
-- user-authentication certificate serials, their service IDs (利用カード番号, one patron's per issuer), the issuers'
-- card validity lists, the revocation list and J-LIS's address-change notices.
CREATE TABLE id_issuer (
	id                TEXT    PRIMARY KEY CONSTRAINT id_issuer_id CHECK (length(id) BETWEEN 1 AND 64),
	name              TEXT    NOT NULL,
	municipality_code TEXT    NOT NULL,
	handoff           JSONB   NOT NULL,
	show_mykey_id     BOOLEAN NOT NULL);

CREATE TABLE id_patron (
	mykey_id    TEXT        PRIMARY KEY CONSTRAINT id_patron_mykey_id CHECK (mykey_id ~ '^[A-Z0-9]{8}$'),
	auth_serial TEXT        NOT NULL,
	not_after   TIMESTAMPTZ NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL);

CREATE TABLE id_serial (
	serial   TEXT PRIMARY KEY,
	mykey_id TEXT NOT NULL REFERENCES id_patron (mykey_id));

CREATE INDEX id_serial_by_patron ON id_serial (mykey_id);

CREATE TABLE id_service (
	mykey_id       TEXT        NOT NULL REFERENCES id_patron (mykey_id),
	issuer_id      TEXT        NOT NULL REFERENCES id_issuer (id),
	card_number    TEXT        NOT NULL CONSTRAINT id_service_card_number CHECK (card_number ~ '^[0-9A-Za-z-]{1,32}$'),
	address_notice BOOLEAN     NOT NULL,
	sign_serial    TEXT,
	registered_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (mykey_id, issuer_id),
	CONSTRAINT id_service_card_number_once UNIQUE (issuer_id, card_number),
	CONSTRAINT id_service_notice_has_sign_serial CHECK (NOT address_notice OR sign_serial IS NOT NULL));

CREATE TABLE id_card_validity (
	issuer_id   TEXT NOT NULL REFERENCES id_issuer (id),
	card_number TEXT NOT NULL,
	status      TEXT NOT NULL CONSTRAINT id_card_validity_status CHECK (status IN ('stopped', 'expired', 'valid')),
	since       TIMESTAMPTZ,
	PRIMARY KEY (issuer_id, card_number));

CREATE TABLE id_revoked (
	serial TEXT        PRIMARY KEY,
	at     TIMESTAMPTZ NOT NULL,
	reason TEXT        NOT NULL DEFAULT '');

CREATE TABLE id_address_notice (
	sign_serial TEXT        PRIMARY KEY,
	at          TIMESTAMPTZ NOT NULL);

-- A database made by the key/value layout: its identity pairs move into the tables.
{{ template "shared/identity_from_buckets.sql" . }}
