package platform

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"
)

// CopyStore copies a whole store into an empty one (mkpf-server copy-store): the buckets pair by pair (kv.Copy), and
// the rows the same way: money (platform/ledger), identity (identity_rows.go), vouchers (voucher_rows.go) and coupon
// codes (coupon_rows.go). Into PostgreSQL the rows arrive in their buckets and are moved into the tables by the
// statements of the upgrades from the key/value layout (migrations 3-5); out of PostgreSQL they are written into the
// buckets bbolt keeps them in, sequences included.
func CopyStore(dst, src kv.DB) (buckets, pairs int, err error) {
	if pool := kv.Pool(dst); pool != nil {
		var n int64
		if err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM pt_move) + (SELECT count(*) FROM pt_balance)
			+ (SELECT count(*) FROM idempotency) + (SELECT count(*) FROM pt_floor_day_total) + (SELECT count(*) FROM pt_lot)
			+ (SELECT count(*) FROM pt_voucher) + (SELECT count(*) FROM coupon_partner)`).Scan(&n); err != nil {
			return 0, 0, err
		}
		if n > 0 {
			return 0, 0, fmt.Errorf("the destination is not empty (the points ledger's tables hold %d rows)", n)
		}
		if err := pool.QueryRow(context.Background(), identityCount).Scan(&n); err != nil {
			return 0, 0, err
		}
		if n > 0 {
			return 0, 0, fmt.Errorf("the destination is not empty (the identity tables hold %d rows)", n)
		}
	}
	if buckets, pairs, err = kv.Copy(dst, src); err != nil {
		return buckets, pairs, err
	}
	if kv.Pool(dst) != nil {
		err = dst.Update(func(tx kv.Tx) error {
			r, _ := kv.RowsOf(tx)
			if _, err := r.Tx.Exec(r.Ctx, ledgerFromBuckets); err != nil {
				return fmt.Errorf("moving the ledger's buckets into its tables: %w", err)
			}
			if _, err := r.Tx.Exec(r.Ctx, identityFromBuckets); err != nil {
				return fmt.Errorf("moving the identity buckets into their tables: %w", err)
			}
			if _, err := r.Tx.Exec(r.Ctx, vouchersFromBuckets); err != nil {
				return fmt.Errorf("moving the vouchers' buckets into their table: %w", err)
			}
			if _, err := r.Tx.Exec(r.Ctx, couponsFromBuckets); err != nil {
				return fmt.Errorf("moving the coupon codes' buckets into their tables: %w", err)
			}
			return nil
		})
		return buckets, pairs, err
	}
	if kv.Pool(src) != nil {
		n, err := rowsIntoBuckets(dst, src)
		if err != nil {
			return buckets, pairs + n, err
		}
		m, err := identityIntoBuckets(dst, src)
		if err != nil {
			return buckets, pairs + n + m, err
		}
		v, err := vouchersIntoBuckets(dst, src) // voucher_rows_copy.go
		if err != nil {
			return buckets, pairs + n + m + v, err
		}
		k, err := couponsIntoBuckets(dst, src)
		return buckets, pairs + n + m + v + k, err
	}
	return buckets, pairs, nil
}

// rowsIntoBuckets writes src's money rows into the buckets of the bbolt store dst.
func rowsIntoBuckets(dst, src kv.DB) (int, error) {
	ctx := context.Background()
	pool := kv.Pool(src)
	pairs := 0
	err := dst.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{bPtBalances, bPtMoves, bPtByTerm, bPtTermLast, bPtTotals, bIdempotency, bIdemByTime, bThrottles, bPtLots} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		rows, err := pool.Query(ctx, `SELECT mykey_id, program_id, points FROM pt_balance`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, prog string
			var n int64
			if err := rows.Scan(&id, &prog, &n); err != nil {
				rows.Close()
				return err
			}
			if err := kv.PutInt(tx.Bucket(bPtBalances), id+"/"+prog, n); err != nil {
				rows.Close()
				return err
			}
			pairs++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = pool.Query(ctx, `SELECT seq, at, kind, COALESCE(mykey_id, ''), program_id, points, delta,
			COALESCE(terminal_id, ''), COALESCE(voucher_no, ''), COALESCE(merge_txn, ''), COALESCE(note, '') FROM pt_move ORDER BY seq`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var m pointMove
			var seq int64
			if err := rows.Scan(&seq, &m.At, &m.Kind, &m.MyKeyID, &m.ProgramID, &m.Points, &m.Delta, &m.TerminalID,
				&m.VoucherNo, &m.MergeTxn, &m.Note); err != nil {
				rows.Close()
				return err
			}
			m.Seq, m.At = uint64(seq), m.At.UTC()
			raw, err := json.Marshal(&m)
			if err == nil {
				var k [8]byte
				binary.BigEndian.PutUint64(k[:], m.Seq)
				err = tx.Bucket(bPtMoves).Put(k[:], raw)
			}
			if err == nil && m.TerminalID != "" {
				ik := fmt.Sprintf("%s/%s/%016x", m.TerminalID, m.At.Format("2006-01-02T15:04:05.000Z"), m.Seq)
				err = tx.Bucket(bPtByTerm).Put([]byte(ik), nil)
			}
			if err != nil {
				rows.Close()
				return err
			}
			pairs++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var last int64
		if err := pool.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM pt_move_seq`).Scan(&last); err != nil {
			return err
		}
		if err := kv.SetSequence(tx.Bucket(bPtMoves), uint64(last)); err != nil {
			return err
		}
		rows, err = pool.Query(ctx, `SELECT mykey_id, program_id, to_char(last_day, 'YYYY-MM-DD'), seq, points FROM pt_lot`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, prog, day string
			var seq, n int64
			if err := rows.Scan(&id, &prog, &day, &seq, &n); err != nil {
				rows.Close()
				return err
			}
			if err := kv.PutInt(tx.Bucket(bPtLots), fmt.Sprintf("%s/%s/%s/%016x", id, prog, day, seq), n); err != nil {
				rows.Close()
				return err
			}
			pairs++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := pool.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM pt_lot_seq`).Scan(&last); err != nil {
			return err
		}
		if err := kv.SetSequence(tx.Bucket(bPtLots), uint64(last)); err != nil {
			return err
		}
		rows, err = pool.Query(ctx, `SELECT terminal_id, seq FROM pt_terminal_marker`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				rows.Close()
				return err
			}
			if err := ledger.MarkTerminal(tx, id, uint64(seq)); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var t [7]int64
		if err := pool.QueryRow(ctx, ledger.TotalsSQL).Scan(&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6]); err != nil {
			return err
		}
		for i, n := range []string{TotalGranted, TotalUsed, TotalOutstanding, TotalCleared, TotalLapsed, TotalMerged, TotalExpired} {
			if t[i] != 0 {
				if err := kv.PutInt(tx.Bucket(bPtTotals), n, t[i]); err != nil {
					return err
				}
			}
		}
		rows, err = pool.Query(ctx, `SELECT terminal_id, key, req_hash, status, body, stored_at FROM idempotency`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var term, key string
			var rec idemRec
			var body []byte
			if err := rows.Scan(&term, &key, &rec.ReqHash, &rec.Status, &body, &rec.At); err != nil {
				rows.Close()
				return err
			}
			rec.Body, rec.At = body, rec.At.UTC()
			if err := ledger.NewBolt(tx).StoreAnswer(term, key, rec); err != nil {
				rows.Close()
				return err
			}
			pairs++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = pool.Query(ctx, `SELECT key, day_start, points FROM pt_floor_day_total`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var rec ledger.DayTotal
			if err := rows.Scan(&key, &rec.Start, &rec.Points); err != nil {
				return err
			}
			rec.Start = rec.Start.In(jst)
			if err := ledger.NewBolt(tx).PutDayTotal(key, rec); err != nil {
				return err
			}
			pairs++
		}
		return rows.Err()
	})
	return pairs, err
}
