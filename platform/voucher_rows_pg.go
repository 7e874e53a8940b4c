package platform

// The point vouchers on PostgreSQL (voucher_rows.go): the table pt_voucher made by migration 5
// (migrations/005_vouchers.sql), one statement per method. A voucher's state is its columns: cleared when cleared_at
// is set, lapsed when lapsed_at is, outstanding otherwise; a CHECK keeps the two apart, and clearing or lapsing is a
// conditional UPDATE of an outstanding voucher, so of two terminals clearing one voucher at once the second finds
// no row to change (it waits for the first's row lock, then re-reads the row). A partial unique index on pt_move
// lets the ledger hold one clearing movement per voucher number.

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// vouchersFromBuckets moves a key/value-layout town's vouchers into pt_voucher (migration 5, and mkpf-server
// copy-store into PostgreSQL).
var vouchersFromBuckets = mustReadMigration("migrations/shared/vouchers_from_buckets.sql")

// couponsFromBuckets moves a key/value-layout town's coupon codes and partner companies into their tables
// (migration 5, and mkpf-server copy-store into PostgreSQL).
var couponsFromBuckets = mustReadMigration("migrations/shared/coupons_from_buckets.sql")

// errVoucherNumberTaken: a new voucher's number is in use (the issuer draws another).
var errVoucherNumberTaken = errors.New("points: the voucher number is taken")

// pgVouchers is voucherRows on PostgreSQL, in the transaction of r.
type pgVouchers struct{ r kv.Rows }

func (p pgVouchers) ctx() context.Context { return p.r.Ctx }

// pgVoucherCols are a voucher's columns as voucherRec's fields (scanVoucher).
const pgVoucherCols = `number, points, program_id, mykey_id, to_char(expires, 'YYYY-MM-DD'), issued_at, issued_by,
	cleared_at, COALESCE(cleared_by, ''), lapsed_at, qr, reissues`

func scanVoucher(row pgx.Row) (*voucherRec, error) {
	var v voucherRec
	var reissues int32
	err := row.Scan(&v.Number, &v.Points, &v.ProgramID, &v.MyKeyID, &v.Expires, &v.IssuedAt, &v.IssuedBy,
		&v.ClearedAt, &v.ClearedBy, &v.LapsedAt, &v.QR, &reissues)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v.Reissues = int(reissues)
	v.IssuedAt = v.IssuedAt.UTC()
	v.State = mkpf.VoucherOutstanding
	if v.ClearedAt != nil {
		t := v.ClearedAt.UTC()
		v.ClearedAt, v.State = &t, mkpf.VoucherCleared
	}
	if v.LapsedAt != nil {
		t := v.LapsedAt.UTC()
		v.LapsedAt, v.State = &t, mkpf.VoucherLapsed
	}
	return &v, nil
}

func (p pgVouchers) voucher(number string) (*voucherRec, error) {
	return scanVoucher(p.r.Tx.QueryRow(p.ctx(), `SELECT `+pgVoucherCols+` FROM pt_voucher WHERE number = $1`, number))
}

func (p pgVouchers) issueVoucher(v *voucherRec) error {
	v.IssuedAt = moveTime(v.IssuedAt)
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO pt_voucher (number, points, program_id, mykey_id, expires, issued_at, issued_by, qr, reissues)
		VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9)`,
		v.Number, v.Points, v.ProgramID, v.MyKeyID, v.Expires, v.IssuedAt, v.IssuedBy, v.QR, int32(v.Reissues))
	return err
}

// clearVoucher is the conditional UPDATE: a voucher cleared or lapsed already matches no row.
func (p pgVouchers) clearVoucher(v *voucherRec, at time.Time, terminalID string) (bool, error) {
	at = moveTime(at)
	nv, err := scanVoucher(p.r.Tx.QueryRow(p.ctx(), `UPDATE pt_voucher SET cleared_at = $2, cleared_by = $3
		WHERE number = $1 AND cleared_at IS NULL AND lapsed_at IS NULL RETURNING `+pgVoucherCols, v.Number, at, terminalID))
	if err != nil || nv == nil {
		return false, err
	}
	*v = *nv
	return true, nil
}

func (p pgVouchers) lapseVoucher(v *voucherRec, at time.Time) (bool, error) {
	at = moveTime(at)
	nv, err := scanVoucher(p.r.Tx.QueryRow(p.ctx(), `UPDATE pt_voucher SET lapsed_at = $2
		WHERE number = $1 AND cleared_at IS NULL AND lapsed_at IS NULL RETURNING `+pgVoucherCols, v.Number, at))
	if err != nil || nv == nil {
		return false, err
	}
	*v = *nv
	return true, nil
}

func (p pgVouchers) reissueVoucher(v *voucherRec) error {
	var n int32
	err := p.r.Tx.QueryRow(p.ctx(), `UPDATE pt_voucher SET reissues = reissues + 1 WHERE number = $1 RETURNING reissues`, v.Number).Scan(&n)
	if err == nil {
		v.Reissues = int(n)
	}
	return err
}

func (p pgVouchers) vouchersDue(today string, limit int) ([]string, bool, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `SELECT number FROM pt_voucher WHERE cleared_at IS NULL AND lapsed_at IS NULL
		AND expires < $1::date ORDER BY expires, number LIMIT $2`, today, limit+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, false, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func (p pgVouchers) voucherSums() (map[string]int64, error) {
	out := map[string]int64{}
	var o, c, l int64
	err := p.r.Tx.QueryRow(p.ctx(), `SELECT
		COALESCE(SUM(points) FILTER (WHERE cleared_at IS NULL AND lapsed_at IS NULL), 0),
		COALESCE(SUM(points) FILTER (WHERE cleared_at IS NOT NULL), 0),
		COALESCE(SUM(points) FILTER (WHERE lapsed_at IS NOT NULL), 0) FROM pt_voucher`).Scan(&o, &c, &l)
	for st, n := range map[mkpf.VoucherState]int64{mkpf.VoucherOutstanding: o, mkpf.VoucherCleared: c, mkpf.VoucherLapsed: l} {
		if n != 0 {
			out[string(st)] = n
		}
	}
	return out, err
}

func (p pgVouchers) moveVouchers(old, nu string) error {
	_, err := p.r.Tx.Exec(p.ctx(), `UPDATE pt_voucher SET mykey_id = $2 WHERE mykey_id = $1`, old, nu)
	return err
}
