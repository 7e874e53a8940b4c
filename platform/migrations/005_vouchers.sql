-- The point vouchers as a typed table (platform/voucher_rows_pg.go). A voucher is outstanding while neither
-- cleared_at nor lapsed_at is set; the constraints keep it cleared at most once (one clearing time, with the
-- clearing terminal) and never both cleared and lapsed, and the ledger holds at most one issue, one clearing and
-- one lapse movement per voucher number.
CREATE TABLE pt_voucher (
	number     TEXT        PRIMARY KEY CONSTRAINT pt_voucher_number_8_digits CHECK (number ~ '^[0-9]{8}$'),
	points     BIGINT      NOT NULL CONSTRAINT pt_voucher_points_positive CHECK (points > 0),
	program_id TEXT        NOT NULL,
	mykey_id   TEXT        NOT NULL,
	expires    DATE        NOT NULL,
	issued_at  TIMESTAMPTZ NOT NULL,
	issued_by  TEXT        NOT NULL,
	cleared_at TIMESTAMPTZ,
	cleared_by TEXT,
	lapsed_at  TIMESTAMPTZ,
	qr         TEXT        NOT NULL,
	reissues   INT         NOT NULL DEFAULT 0 CONSTRAINT pt_voucher_reissues CHECK (reissues >= 0),
	CONSTRAINT pt_voucher_cleared_by_a_terminal CHECK ((cleared_at IS NULL) = (cleared_by IS NULL)),
	CONSTRAINT pt_voucher_cleared_or_lapsed CHECK (cleared_at IS NULL OR lapsed_at IS NULL));

CREATE INDEX pt_voucher_due ON pt_voucher (expires, number) WHERE cleared_at IS NULL AND lapsed_at IS NULL;

CREATE INDEX pt_voucher_by_holder ON pt_voucher (mykey_id);

CREATE UNIQUE INDEX pt_move_one_per_voucher ON pt_move (voucher_no, kind)
	WHERE voucher_no IS NOT NULL AND kind IN ('voucher_issue', 'voucher_clear', 'voucher_lapse');

-- A database made by the key/value layout: its vouchers move into the table.
{{ template "shared/vouchers_from_buckets.sql" . }}

-- The coupon codes of partner companies (platform/coupon_rows_pg.go): only a hash of each code is kept; a code is
-- used once (used_at and used_by set together, by a conditional UPDATE of an unused code).
CREATE TABLE coupon_partner (
	name       TEXT        PRIMARY KEY CONSTRAINT coupon_partner_name CHECK (length(name) BETWEEN 1 AND 400),
	created_at TIMESTAMPTZ NOT NULL);

CREATE TABLE coupon (
	code_hash TEXT        PRIMARY KEY CONSTRAINT coupon_code_hash_sha256 CHECK (code_hash ~ '^[0-9a-f]{64}$'),
	partner   TEXT        NOT NULL REFERENCES coupon_partner (name),
	points    BIGINT      NOT NULL CONSTRAINT coupon_points_positive CHECK (points > 0),
	issued_at TIMESTAMPTZ NOT NULL,
	used_at   TIMESTAMPTZ,
	used_by   TEXT,
	CONSTRAINT coupon_used_by_a_holder CHECK ((used_at IS NULL) = (used_by IS NULL)));

CREATE INDEX coupon_by_partner ON coupon (partner);

{{ template "shared/coupons_from_buckets.sql" . }}
