package platform

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// pgCoupons is couponRows on PostgreSQL (tables coupon_partner and coupon, migration 5).
type pgCoupons struct{ r kv.Rows }

func (p pgCoupons) ctx() context.Context { return p.r.Ctx }

func (p pgCoupons) ensurePartner(name string, at time.Time) error {
	_, err := p.r.Tx.Exec(p.ctx(), `INSERT INTO coupon_partner (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, moveTime(at))
	return err
}

// addCoupons is one statement for all the keys: those already there are skipped and come back as taken.
func (p pgCoupons) addCoupons(keys []string, partner string, points int64, at time.Time) (map[string]bool, error) {
	rows, err := p.r.Tx.Query(p.ctx(), `INSERT INTO coupon (code_hash, partner, points, issued_at)
		SELECT k, $2, $3, $4 FROM unnest($1::text[]) AS k ON CONFLICT (code_hash) DO NOTHING RETURNING code_hash`,
		keys, partner, points, moveTime(at))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	added := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		added[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, k := range keys {
		if !added[k] {
			taken[k] = true
		}
	}
	return taken, nil
}

const pgCouponCols = `partner, points, issued_at, COALESCE(used_by, ''), used_at`

func scanCoupon(row pgx.Row) (*couponRec, error) {
	var cp couponRec
	var usedAt *time.Time
	err := row.Scan(&cp.Partner, &cp.Points, &cp.IssuedAt, &cp.UsedBy, &usedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cp.IssuedAt = cp.IssuedAt.UTC()
	if usedAt != nil {
		cp.UsedAt = usedAt.UTC()
	}
	return &cp, nil
}

func (p pgCoupons) coupon(key string) (*couponRec, error) {
	return scanCoupon(p.r.Tx.QueryRow(p.ctx(), `SELECT `+pgCouponCols+` FROM coupon WHERE code_hash = $1`, key))
}

// useCoupon is the conditional UPDATE: a used code matches no row.
func (p pgCoupons) useCoupon(key, by string, at time.Time) (bool, error) {
	tag, err := p.r.Tx.Exec(p.ctx(), `UPDATE coupon SET used_by = $2, used_at = $3 WHERE code_hash = $1 AND used_at IS NULL`,
		key, by, moveTime(at))
	return err == nil && tag.RowsAffected() == 1, err
}
