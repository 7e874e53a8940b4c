package platform

import (
	"context"

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
			if err := putJSON(tx.Bucket(bPtVouchers), v.Number, v); err != nil {
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
