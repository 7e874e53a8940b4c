package platform

import (
	"encoding/json"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// VoucherDump is every voucher of the store as one JSON line each, in number order (the store comparison of
// voucher_rows_test.go).
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
