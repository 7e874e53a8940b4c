package platform

import (
	"encoding/json"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// VoucherDump is every voucher of the store as one JSON line each, in number order, then every partner company and
// coupon code (the store comparison of voucher_rows_test.go).
func VoucherDump(s *Server) (string, error) {
	var b strings.Builder
	err := s.db.View(func(tx kv.Tx) error {
		var numbers []string
		if r, ok := kv.RowsOf(tx); ok {
			rows, err := r.Tx.Query(r.Ctx, `SELECT number FROM pt_voucher ORDER BY number`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					rows.Close()
					return err
				}
				numbers = append(numbers, n)
			}
			if err := rows.Err(); err != nil {
				return err
			}
		} else if err := tx.Bucket(bPtVouchers).ForEach(func(k, _ []byte) error { numbers = append(numbers, string(k)); return nil }); err != nil {
			return err
		}
		var partners, coupons []string
		if r, ok := kv.RowsOf(tx); ok {
			rows, err := r.Tx.Query(r.Ctx, `SELECT 'p', name FROM coupon_partner UNION ALL SELECT 'c', code_hash FROM coupon ORDER BY 1, 2`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var kind, k string
				if err := rows.Scan(&kind, &k); err != nil {
					rows.Close()
					return err
				}
				if kind == "p" {
					partners = append(partners, k)
				} else {
					coupons = append(coupons, k)
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
		} else {
			if err := tx.Bucket(bPartners).ForEach(func(k, _ []byte) error { partners = append(partners, string(k)); return nil }); err != nil {
				return err
			}
			if err := tx.Bucket(bCoupons).ForEach(func(k, _ []byte) error { coupons = append(coupons, string(k)); return nil }); err != nil {
				return err
			}
		}
		defer func() {
			b.WriteString("partners " + strings.Join(partners, ",") + "\n")
			cr := couponsOf(tx)
			for _, k := range coupons {
				cp, err := cr.coupon(k)
				if err != nil {
					b.WriteString("error " + err.Error())
					return
				}
				raw, _ := json.Marshal(cp)
				b.WriteString(k + " " + string(raw) + "\n")
			}
		}()
		vr := vouchersOf(tx)
		for _, n := range numbers {
			v, err := vr.voucher(n)
			if err != nil {
				return err
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			b.Write(raw)
			b.WriteByte('\n')
		}
		return nil
	})
	return b.String(), err
}

// UseCouponForTest marks a coupon code used by a MyKey ID, past the desk's route (a store to copy).
func UseCouponForTest(s *Server, code, by string) error {
	return s.db.Update(func(tx kv.Tx) error {
		ok, err := couponsOf(tx).useCoupon(couponKey(code), by, s.now())
		if err == nil && !ok {
			err = errCouponUsed
		}
		return err
	})
}
