package platform

import (
	"fmt"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"
)

// HoldCommits blocks the server's group committer with a transaction that waits for release, so that requests sent
// meanwhile queue up and then run as one batch. waitQueued(n) returns once n requests wait behind the held one (an
// error after a generous safety net, never a timing assertion).
func HoldCommits(s *Server) (waitQueued func(n int) error, release func()) {
	c := s.commit()
	started, rel := make(chan struct{}), make(chan struct{})
	go c.Do(func(tx kv.Tx) error {
		close(started)
		<-rel
		return nil
	})
	<-started
	waitQueued = func(n int) error {
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			c.mu.Lock()
			q := len(c.queue)
			c.mu.Unlock()
			if q >= n {
				return nil
			}
		}
		return fmt.Errorf("%d requests did not queue behind the held commit", n)
	}
	return waitQueued, func() { close(rel) }
}

// SeedOutstandingVouchers writes n outstanding vouchers of points each for a patron, expiring on expires (JST day),
// in bulk: a grant of their sum and one voucher-issue movement of it, so the ledger invariant holds. The numbers are
// sequential from first (a step of 7), and the QR texts are placeholders of a real QR's length (the vouchers are for
// store-size and load measurements, not for scanning). It returns the next free number.
func SeedOutstandingVouchers(s *Server, mykeyID, programID string, first, n int, points int64, expires string) (int, error) {
	if err := s.GrantPoints(mykeyID, programID, int64(n)*points, "bulk seed"); err != nil {
		return 0, err
	}
	now := s.now().UTC()
	qr := mkpf.VoucherQRPrefix + strings.Repeat("0", 110)
	num := first
	const chunk = 20000
	for done := 0; done < n; done += chunk {
		m := min(chunk, n-done)
		err := s.db.Update(func(tx kv.Tx) error {
			vr := vouchersOf(tx)
			for i := 0; i < m; i++ {
				v := &voucherRec{Number: fmt.Sprintf("%08d", num+7*i), Points: points, ProgramID: programID, MyKeyID: mykeyID,
					Expires: expires, IssuedAt: now, IssuedBy: "00053059", State: mkpf.VoucherOutstanding, QR: qr}
				if err := vr.issueVoucher(v); err != nil {
					return err
				}
			}
			if _, err := changeBalance(tx, mykeyID, programID, -int64(m)*points); err != nil {
				return err
			}
			if p, err := getProgram(tx, programID); err != nil {
				return err
			} else if p != nil && p.ExpiryMonths > 0 {
				if err := ledger.Of(tx).DebitLots(mykeyID, programID, int64(m)*points); err != nil {
					return err
				}
			}
			mv := &pointMove{At: now, Kind: MoveVoucherIssue, MyKeyID: mykeyID, ProgramID: programID, Points: int64(m) * points,
				Delta: -int64(m) * points, Note: "bulk seed"}
			return bookMove(tx, mv, TotalOutstanding)
		})
		if err != nil {
			return 0, err
		}
		num += 7 * m
	}
	return num, nil
}

// BucketLen counts the keys of a store bucket (e.g. "idempotency", "pt_voucher_expiry").
func BucketLen(s *Server, name string) (n int, err error) {
	err = s.db.View(func(tx kv.Tx) error {
		if r, ok := kv.RowsOf(tx); ok && (name == "idempotency" || name == "idempotency_by_time") {
			// On PostgreSQL the records are rows, and the time index is the table's index over the same rows.
			return r.Tx.QueryRow(r.Ctx, `SELECT count(*) FROM idempotency`).Scan(&n)
		}
		if r, ok := kv.RowsOf(tx); ok && name == "pt_voucher_expiry" {
			// The outstanding vouchers are pt_voucher's rows in its partial index pt_voucher_due.
			return r.Tx.QueryRow(r.Ctx, `SELECT count(*) FROM pt_voucher WHERE cleared_at IS NULL AND lapsed_at IS NULL`).Scan(&n)
		}
		return tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error { n++; return nil })
	})
	return n, err
}

// SecretsForTest returns every secret of the store in clear (tests look for them in the database file).
func (s *Server) SecretsForTest() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bSecrets).ForEach(func(k, _ []byte) error {
			v, err := s.getSecret(tx, string(k))
			out[string(k)] = v
			return err
		})
	})
	return out, err
}

// GrantSyncEntries counts the stored roster-sync entries (hash → MyKey ID) and syncs.
func GrantSyncEntries(s *Server) (entries, syncs int) {
	s.db.View(func(tx kv.Tx) error {
		tx.Bucket(bGrSyncMap).ForEach(func(_, _ []byte) error { entries++; return nil })
		tx.Bucket(bGrSyncs).ForEach(func(_, _ []byte) error { syncs++; return nil })
		return nil
	})
	return entries, syncs
}

// PutServiceID writes a service ID through the store's identity rows, as register does after its checks (the
// constraint tests: the store itself must refuse a bad row).
func (s *Server) PutServiceID(mykeyID, issuerID, cardNumber string) error {
	return s.db.Update(func(tx kv.Tx) error {
		return identityOf(tx).putService(mykeyID, &serviceRec{IssuerID: issuerID, CardNumber: cardNumber, RegisteredAt: s.now()})
	})
}

// PutSerial links a certificate serial to a MyKey ID through the store's identity rows.
func (s *Server) PutSerial(serial, mykeyID string) error {
	return s.db.Update(func(tx kv.Tx) error { return identityOf(tx).putSerial(serial, mykeyID) })
}
