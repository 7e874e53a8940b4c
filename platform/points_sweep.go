package platform

// Maintenance that keeps the store small and the closing-time aggregation (screen 87) a plain read:
//
//   - Vouchers lapse (失効) by a sweep over an index of outstanding vouchers by expiry day, which touches only the
//     vouchers whose last valid day has passed, in small write transactions through the group committer. Screen 87
//     reads the terminal's own movements and never writes, so any number of shops can aggregate at once while
//     payments go on. A voucher scanned or cleared is still lapsed at once when it is due (lapseByCode).
//   - Idempotency records (the remembered answers of state-changing calls) are kept IdempotencyKeep, then deleted
//     with their answer bodies (card numbers, MyKey IDs), oldest first, through an index by time.
//
// The server runs both every MaintenanceEvery; each is idempotent, so several server processes sharing one store may
// run them at the same time.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	bPtVoucherExpiry = []byte("pt_voucher_expiry") // expiry day (YYYY-MM-DD) + "/" + number → nil: outstanding vouchers
	bIdemByTime      = ledger.BucketIdemByTime     // stored-at (8 bytes, Unix ns, big endian) + terminal ID/key → nil
)

// IdempotencyKeep is how long the platform remembers the answer of a state-changing call. A terminal reuses an
// operation's key for at most platformclient.JournalPendingTTL (24 h) after it first sent it; twice that covers a
// terminal clock a day off. After it the answer (which can hold card numbers and MyKey IDs) is deleted.
var IdempotencyKeep = 48 * time.Hour

// MaintenanceEvery is how often a server lapses expired vouchers and prunes idempotency records (and, once a day,
// applies the programs' expiry rules to every holder's points).
var MaintenanceEvery = time.Minute

// sweepBatch bounds the work of one maintenance transaction so payments queued behind it wait little.
const sweepBatch = 128

// initMaintenance creates the maintenance indexes; when they are new in an existing store it builds them from the
// records already there (once), then starts the periodic sweep.
func (s *Server) initMaintenance() error {
	err := s.db.Update(func(tx kv.Tx) error {
		if tx.Bucket(bPtVoucherExpiry) == nil {
			idx, err := tx.CreateBucketIfNotExists(bPtVoucherExpiry)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bPtVouchers).ForEach(func(k, raw []byte) error {
				var v voucherRec
				if err := json.Unmarshal(raw, &v); err != nil {
					return err
				}
				if v.State != mkpf.VoucherOutstanding {
					return nil
				}
				return idx.Put(voucherExpiryKey(&v), nil)
			}); err != nil {
				return err
			}
		}
		if tx.Bucket(bIdemByTime) == nil {
			idx, err := tx.CreateBucketIfNotExists(bIdemByTime)
			if err != nil {
				return err
			}
			// Records from before the index count from now: they are pruned one IdempotencyKeep later.
			now := s.now()
			return tx.Bucket(bIdempotency).ForEach(func(k, _ []byte) error {
				return idx.Put(ledger.IdemTimeKey(now, string(k)), nil)
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	go s.maintenanceLoop(MaintenanceEvery) // read here: a test may set it before Open
	return nil
}

func (s *Server) maintenanceLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	expiryDay := "" // the JST day of the last sweep over every lot
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		n, err1 := s.LapseExpiredVouchers()
		m, err2 := s.PruneIdempotency()
		// Points reach their program's expiry rule by the day (JST): once a day (and at the first tick) every lot is
		// checked, so lapses happen, and their e-mail notices go out, even for holders who never spend again.
		var expired int64
		var syncs int
		var err3, err4 error
		if day := s.now().In(mkpf.JST).Format("2006-01-02"); day != expiryDay {
			if expired, err3 = s.ExpirePoints(); err3 == nil {
				expiryDay = day
			}
			syncs, err4 = s.PruneGrantSyncs() // grants.go: roster syncs older than GrantSyncKeep
			s.moveReservedLogged()            // reserved_sweep.go: 留保ポイント after ReservedKeep to the base account
		}
		select {
		case <-s.stop:
			return // the store may be closing under us: errors now say nothing
		default:
		}
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			s.log.Error("maintenance failed", "lapse_err", err1, "prune_err", err2, "expiry_err", err3, "sync_prune_err", err4)
		} else if n > 0 || m > 0 || expired > 0 || syncs > 0 {
			s.log.Info("maintenance", "vouchers_lapsed", n, "idempotency_pruned", m, "points_expired", expired, "grant_syncs_pruned", syncs)
		}
	}
}

func voucherExpiryKey(v *voucherRec) []byte { return []byte(v.Expires + "/" + v.Number) }

// indexVoucher records an outstanding voucher under its expiry day (issue).
func indexVoucher(tx kv.Tx, v *voucherRec) error {
	return tx.Bucket(bPtVoucherExpiry).Put(voucherExpiryKey(v), nil)
}

// unindexVoucher removes a voucher that is no longer outstanding (cleared or lapsed).
func unindexVoucher(tx kv.Tx, v *voucherRec) error {
	return tx.Bucket(bPtVoucherExpiry).Delete(voucherExpiryKey(v))
}

// LapseExpiredVouchers marks every outstanding voucher past its expiry as 失効 and returns how many it marked. It
// reads only the vouchers due (the expiry index), sweepBatch per transaction.
func (s *Server) LapseExpiredVouchers() (int, error) {
	total := 0
	for {
		n, more := 0, false
		// The vouchers' rows and movements only: on PostgreSQL without the writer lock (voucher_rows.go).
		err := s.commit().DoCtx(context.Background(), func(tx kv.Tx) error {
			n, more = 0, false
			now := s.now()
			today := now.In(jst).Format("2006-01-02")
			vr := vouchersOf(tx)
			due, m, err := vr.vouchersDue(today, sweepBatch)
			if err != nil {
				return err
			}
			more = m
			for _, number := range due {
				v, err := vr.voucher(number)
				if err != nil {
					return err
				}
				if v == nil {
					continue
				}
				lapsed, err := lapseIfExpired(tx, v, now)
				if err != nil {
					return err
				}
				if lapsed {
					n++
				}
			}
			return nil
		}, nil)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// PruneIdempotency deletes the idempotency records stored more than IdempotencyKeep ago and returns how many.
func (s *Server) PruneIdempotency() (int, error) {
	total := 0
	for {
		n, more := 0, false
		err := s.commit().Do(func(tx kv.Tx) error {
			n, more = 0, false
			if r, ok := kv.RowsOf(tx); ok {
				d, err := ledger.NewPG(r).PruneAnswers(s.now().Add(-IdempotencyKeep), sweepBatch*8)
				n, more = d, d == sweepBatch*8
				return err
			}
			var cut [8]byte
			binary.BigEndian.PutUint64(cut[:], uint64(s.now().Add(-IdempotencyKeep).UnixNano()))
			idx := tx.Bucket(bIdemByTime)
			var old [][]byte
			c := idx.Cursor()
			for k, _ := c.First(); k != nil && len(k) >= 8 && string(k[:8]) < string(cut[:]); k, _ = c.Next() {
				if len(old) == sweepBatch*8 {
					more = true
					break
				}
				old = append(old, append([]byte(nil), k...))
			}
			recs := tx.Bucket(bIdempotency)
			for _, k := range old {
				if err := recs.Delete(k[8:]); err != nil {
					return err
				}
				if err := idx.Delete(k); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}
