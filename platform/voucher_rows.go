package platform

// The point vouchers (ポイント券, screens 33-36) behind one interface in the vouchers' words (voucherRows), with two
// implementations like the money rows (platform/ledger). On bbolt (boltVouchers) they are the buckets they always
// were: bPtVouchers with the expiry index bPtVoucherExpiry. On PostgreSQL (pgVouchers, voucher_rows_pg.go) they are
// the typed table pt_voucher (migration 5), where a voucher is cleared once by a conditional UPDATE and the
// constraints, not by the writer lock: issuing and clearing run without it (kv.DB.UpdateRows), with their money
// movement in the same transaction.

import (
	"encoding/json"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// voucherRows is the store of the vouchers inside one transaction.
type voucherRows interface {
	// voucher is the voucher of a number, nil when none.
	voucher(number string) (*voucherRec, error)
	// issueVoucher stores a new outstanding voucher; a number taken already is an error (on PostgreSQL a unique
	// violation, and kv.DB.UpdateRows runs the work again with a new number).
	issueVoucher(v *voucherRec) error
	// clearVoucher marks the outstanding voucher v cleared by the terminal at at; false (and nothing changed) when
	// it is not outstanding any more, e.g. another terminal cleared it first. v is updated on success.
	clearVoucher(v *voucherRec, at time.Time, terminalID string) (bool, error)
	// lapseVoucher marks the outstanding voucher v lapsed at at; false when it is not outstanding any more.
	lapseVoucher(v *voucherRec, at time.Time) (bool, error)
	// reissueVoucher counts one more reissue of v (v.Reissues is updated).
	reissueVoucher(v *voucherRec) error
	// vouchersDue lists up to limit outstanding vouchers whose last day is before today, by last day; more says
	// that there are others.
	vouchersDue(today string, limit int) (numbers []string, more bool, err error)
	// voucherSums is the vouchers' points by state (the audit).
	voucherSums() (map[string]int64, error)
	// moveVouchers gives the vouchers of MyKey ID old to nu (an ID change).
	moveVouchers(old, nu string) error
}

// vouchersOf is the vouchers of tx's store.
func vouchersOf(tx kv.Tx) voucherRows {
	if r, ok := kv.RowsOf(tx); ok {
		return pgVouchers{r}
	}
	return boltVouchers{tx}
}

// boltVouchers keeps the vouchers in bPtVouchers (number → voucherRec) and the outstanding ones' expiry index
// bPtVoucherExpiry (last day/number → nil).
type boltVouchers struct{ tx kv.Tx }

func (b boltVouchers) voucher(number string) (*voucherRec, error) {
	var v voucherRec
	ok, err := kv.GetJSON(b.tx.Bucket(bPtVouchers), number, &v)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

func (b boltVouchers) issueVoucher(v *voucherRec) error {
	v.IssuedAt = moveTime(v.IssuedAt)
	if b.tx.Bucket(bPtVouchers).Get([]byte(v.Number)) != nil {
		return errVoucherNumberTaken
	}
	if err := kv.PutJSON(b.tx.Bucket(bPtVouchers), v.Number, v); err != nil {
		return err
	}
	return indexVoucher(b.tx, v)
}

func (b boltVouchers) clearVoucher(v *voucherRec, at time.Time, terminalID string) (bool, error) {
	cur, err := b.voucher(v.Number)
	if err != nil || cur == nil || cur.State != mkpf.VoucherOutstanding {
		return false, err
	}
	at = moveTime(at)
	*v = *cur
	v.State, v.ClearedAt, v.ClearedBy = mkpf.VoucherCleared, &at, terminalID
	if err := kv.PutJSON(b.tx.Bucket(bPtVouchers), v.Number, v); err != nil {
		return false, err
	}
	return true, unindexVoucher(b.tx, v)
}

func (b boltVouchers) lapseVoucher(v *voucherRec, at time.Time) (bool, error) {
	cur, err := b.voucher(v.Number)
	if err != nil || cur == nil || cur.State != mkpf.VoucherOutstanding {
		return false, err
	}
	at = moveTime(at)
	*v = *cur
	v.State, v.LapsedAt = mkpf.VoucherLapsed, &at
	if err := kv.PutJSON(b.tx.Bucket(bPtVouchers), v.Number, v); err != nil {
		return false, err
	}
	return true, unindexVoucher(b.tx, v)
}

func (b boltVouchers) reissueVoucher(v *voucherRec) error {
	v.Reissues++
	return kv.PutJSON(b.tx.Bucket(bPtVouchers), v.Number, v)
}

// vouchersDue reads the expiry index; an entry whose voucher is not outstanding (stale) is dropped on the way.
func (b boltVouchers) vouchersDue(today string, limit int) ([]string, bool, error) {
	var keys []string
	more := false
	c := b.tx.Bucket(bPtVoucherExpiry).Cursor()
	for k, _ := c.First(); k != nil && string(k) < today; k, _ = c.Next() {
		if len(keys) == limit {
			more = true
			break
		}
		keys = append(keys, string(k))
	}
	var out []string
	for _, k := range keys {
		v, err := b.voucher(k[len("2006-01-02/"):])
		if err != nil {
			return nil, false, err
		}
		if v == nil || v.State != mkpf.VoucherOutstanding || v.Expires >= today {
			// A stale entry (the voucher left "outstanding", or its day changed, without the index knowing): drop it.
			if err := b.tx.Bucket(bPtVoucherExpiry).Delete([]byte(k)); err != nil {
				return nil, false, err
			}
			continue
		}
		out = append(out, v.Number)
	}
	return out, more, nil
}

func (b boltVouchers) voucherSums() (map[string]int64, error) {
	out := map[string]int64{}
	err := b.tx.Bucket(bPtVouchers).ForEach(func(k, raw []byte) error {
		var v voucherRec
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		out[string(v.State)] += v.Points
		return nil
	})
	return out, err
}

func (b boltVouchers) moveVouchers(old, nu string) error {
	vb := b.tx.Bucket(bPtVouchers)
	var vs []voucherRec
	if err := vb.ForEach(func(k, raw []byte) error {
		var v voucherRec
		if json.Unmarshal(raw, &v) == nil && v.MyKeyID == old {
			vs = append(vs, v)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, v := range vs {
		v.MyKeyID = nu
		if err := kv.PutJSON(vb, v.Number, v); err != nil {
			return err
		}
	}
	return nil
}
