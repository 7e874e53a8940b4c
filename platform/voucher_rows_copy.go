package platform

import (
	"context"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// vouchersIntoBuckets writes src's vouchers (pt_voucher) into the buckets of the bbolt store dst, the outstanding
// ones into the expiry index too (CopyStore out of PostgreSQL).
func vouchersIntoBuckets(dst, src kv.DB) (int, error) {
	pool := kv.Pool(src)
	rows, err := pool.Query(context.Background(), `SELECT `+pgVoucherCols+` FROM pt_voucher ORDER BY number`)
	if err != nil {
		return 0, err
	}
	var vs []*voucherRec
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	err = dst.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{bPtVouchers, bPtVoucherExpiry} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for _, v := range vs {
			if err := kv.PutJSON(tx.Bucket(bPtVouchers), v.Number, v); err != nil {
				return err
			}
			if v.State == mkpf.VoucherOutstanding {
				if err := indexVoucher(tx, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return len(vs), err
}

// couponsIntoBuckets writes src's partner companies and coupon codes into the buckets of the bbolt store dst.
func couponsIntoBuckets(dst, src kv.DB) (int, error) {
	ctx := context.Background()
	pool := kv.Pool(src)
	var partners []partnerRec
	rows, err := pool.Query(ctx, `SELECT name, created_at FROM coupon_partner ORDER BY name`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var p partnerRec
		if err := rows.Scan(&p.Name, &p.CreatedAt); err != nil {
			rows.Close()
			return 0, err
		}
		p.CreatedAt = p.CreatedAt.UTC()
		partners = append(partners, p)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	type keyed struct {
		key string
		rec *couponRec
	}
	var coupons []keyed
	rows, err = pool.Query(ctx, `SELECT code_hash, `+pgCouponCols+` FROM coupon ORDER BY code_hash`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k string
		var usedAt *time.Time
		cp := &couponRec{}
		if err := rows.Scan(&k, &cp.Partner, &cp.Points, &cp.IssuedAt, &cp.UsedBy, &usedAt); err != nil {
			rows.Close()
			return 0, err
		}
		cp.IssuedAt = cp.IssuedAt.UTC()
		if usedAt != nil {
			cp.UsedAt = usedAt.UTC()
		}
		coupons = append(coupons, keyed{k, cp})
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	err = dst.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{bCoupons, bPartners} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for _, p := range partners {
			if err := kv.PutJSON(tx.Bucket(bPartners), p.Name, p); err != nil {
				return err
			}
		}
		for _, c := range coupons {
			if err := kv.PutJSON(tx.Bucket(bCoupons), c.key, c.rec); err != nil {
				return err
			}
		}
		return nil
	})
	return len(partners) + len(coupons), err
}
