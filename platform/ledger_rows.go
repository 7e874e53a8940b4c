package platform

// The money rows: what a point movement writes, behind one interface in the ledger's words (ledgerRows), with two
// implementations. On bbolt (boltRows) they are the buckets they always were. On PostgreSQL (pgRows,
// ledger_rows_pg.go) they are typed tables with constraints (a balance never below zero, an idempotency key once per
// terminal), changed row by row by single statements, so point uses of every server process run side by side with no
// writer lock (kv.DB.UpdateRows) and no global hot row: the ledger totals are computed by the audit from the
// movements, and a terminal's aggregation marker is its own row.
//
// What stays in buckets on both stores (programs, expiring lots, merge set-ups, keys, identity; the vouchers are
// rows too, voucher_rows.go) is read in a point use and written only by work that takes the writer lock
// (kv.DB.UpdateContext); a point use that must write one of them (a program with expiring points) finds out with
// kv.ErrNeedsWriter and runs again under the lock.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// heldBalance is one program balance of a patron.
type heldBalance struct {
	ProgramID string
	Points    int64
}

// ledgerRows is the store of the money rows inside one transaction.
type ledgerRows interface {
	// balance is the patron's balance of a program (0 when none).
	balance(mykeyID, programID string) (int64, error)
	// changeBalance adds delta, refusing with errPtInsufficient to go below zero; it returns the new balance.
	changeBalance(mykeyID, programID string, delta int64) (int64, error)
	// dropBalance removes the patron's balance of a program when it is zero (an ID change moved it away).
	dropBalance(mykeyID, programID string) error
	// heldBalances lists the patron's balances in program ID order.
	heldBalances(mykeyID string) ([]heldBalance, error)
	// appendMove writes the movement, assigning its sequence, with its terminal's index entry and marker.
	appendMove(m *pointMove) error
	// debitAndBook takes m.Points from m's holder's balance of m's program (errPtInsufficient when it holds fewer)
	// and appends m, in one step; it returns the balance after.
	debitAndBook(m *pointMove) (int64, error)
	// spendLots is debitAndBook for a program whose points expire: first the holder's lots whose last day is before
	// today leave the balance as one points_expire movement (their points returned as expired), then m's points
	// are taken from the balance and from the lots, oldest first; it returns the balance after.
	spendLots(m *pointMove, today string) (bal, expired int64, err error)
	// addTotal adds d to a running ledger total (bbolt); on PostgreSQL the audit sums the movements instead.
	addTotal(name string, d int64) error
	// idem is the stored answer of (terminal, Idempotency-Key), nil when none.
	idem(terminalID, key string) (*idemRec, error)
	// putIdem stores an answer; rec.At is when.
	putIdem(terminalID, key string, rec idemRec) error
	// floorTotal is the day total without proof under key ("floor/card/…", "floor/term/…"); zero when none.
	floorTotal(key string) (throttleRec, error)
	// putFloorTotal stores it.
	putFloorTotal(key string, rec throttleRec) error
	// termMarker is the terminal's aggregation marker: a value that changes with every movement it makes.
	termMarker(terminalID string) ([]byte, error)
	// terminalMoves calls fn for the terminal's movements at or after lo and before hi, in time order.
	terminalMoves(terminalID string, lo, hi time.Time, fn func(m *pointMove) error) error

	// Lots: the grants of a program with expiring points, each valid through its last day (YYYY-MM-DD, Japan time).
	// addLot records one.
	addLot(mykeyID, programID, lastDay string, points int64) error
	// lots lists the holder's lots of a program, oldest last day first.
	lots(mykeyID, programID string) ([]lotRow, error)
	// expireLots removes the holder's lots whose last day is before today and returns their points.
	expireLots(mykeyID, programID, today string) (int64, error)
	// debitLots takes points from the holder's lots, oldest first; errPtInsufficient when they hold fewer.
	debitLots(mykeyID, programID string, points int64) error
	// lotsDue lists the holders (MyKey ID, program) with a lot whose last day is before today.
	lotsDue(today string) ([][2]string, error)
	// moveLots gives the lots of MyKey ID old to nu (an ID change).
	moveLots(old, nu string) error
	// lotSums is every holder's sum of lots (the audit).
	lotSums() ([]lotSum, error)
}

// lotRow is one lot: its last valid day and the points left.
type lotRow struct {
	last string
	left int64
}

// lotSum is a holder's lots of a program, summed.
type lotSum struct {
	mykeyID, programID string
	points             int64
}

// rowsOf is the money rows of tx's store.
func rowsOf(tx kv.Tx) ledgerRows {
	if r, ok := kv.RowsOf(tx); ok {
		return pgRows{r}
	}
	return boltRows{tx}
}

// moveTime is a movement's time as both stores keep it: UTC, to the microsecond (PostgreSQL's precision), so a
// store copied either way holds the same movements.
func moveTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// boltRows keeps the money rows in buckets: bPtBalances, bPtMoves with bPtByTerm and bPtTermLast, bPtTotals,
// bIdempotency with bIdemByTime, and the floor records in bThrottles.
type boltRows struct{ tx kv.Tx }

func (r boltRows) balance(mykeyID, programID string) (int64, error) {
	return getInt(r.tx.Bucket(bPtBalances), mykeyID+"/"+programID), nil
}

func (r boltRows) changeBalance(mykeyID, programID string, delta int64) (int64, error) {
	b := r.tx.Bucket(bPtBalances)
	k := mykeyID + "/" + programID
	n := getInt(b, k) + delta
	if n < 0 {
		return 0, errPtInsufficient
	}
	return n, putInt(b, k, n)
}

func (r boltRows) dropBalance(mykeyID, programID string) error {
	b := r.tx.Bucket(bPtBalances)
	k := mykeyID + "/" + programID
	if getInt(b, k) != 0 {
		return fmt.Errorf("points: the balance %s is not zero", k)
	}
	return b.Delete([]byte(k))
}

func (r boltRows) heldBalances(mykeyID string) ([]heldBalance, error) {
	var out []heldBalance
	prefix := mykeyID + "/"
	c := r.tx.Bucket(bPtBalances).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		if len(v) == 8 {
			out = append(out, heldBalance{string(k[len(prefix):]), int64(binary.BigEndian.Uint64(v))})
		}
	}
	return out, nil
}

func (r boltRows) appendMove(m *pointMove) error {
	tx := r.tx
	m.At = moveTime(m.At)
	b := tx.Bucket(bPtMoves)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	m.Seq = seq
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	if err := b.Put(k[:], raw); err != nil {
		return err
	}
	if m.TerminalID != "" {
		ik := fmt.Sprintf("%s/%s/%016x", m.TerminalID, m.At.UTC().Format("2006-01-02T15:04:05.000Z"), seq)
		if err := tx.Bucket(bPtByTerm).Put([]byte(ik), nil); err != nil {
			return err
		}
		return markTerminalMove(tx, m.TerminalID, seq) // aggregation_cache.go
	}
	return nil
}

func (r boltRows) debitAndBook(m *pointMove) (int64, error) {
	bal, err := r.changeBalance(m.MyKeyID, m.ProgramID, -m.Points)
	if err != nil {
		return 0, err
	}
	return bal, r.appendMove(m)
}

func (r boltRows) spendLots(m *pointMove, today string) (int64, int64, error) {
	expired, err := r.expireLots(m.MyKeyID, m.ProgramID, today)
	if err != nil {
		return 0, 0, err
	}
	if expired > 0 {
		if _, err := r.changeBalance(m.MyKeyID, m.ProgramID, -expired); err != nil {
			return 0, 0, err
		}
		x := &pointMove{At: m.At, Kind: MovePointsExpire, MyKeyID: m.MyKeyID, ProgramID: m.ProgramID, Points: expired, Delta: -expired}
		if err := r.appendMove(x); err != nil {
			return 0, 0, err
		}
	}
	bal, err := r.debitAndBook(m)
	if err != nil {
		return 0, 0, err
	}
	return bal, expired, r.debitLots(m.MyKeyID, m.ProgramID, m.Points)
}

func (r boltRows) addTotal(name string, d int64) error {
	b := r.tx.Bucket(bPtTotals)
	return putInt(b, name, getInt(b, name)+d)
}

func (r boltRows) idem(terminalID, key string) (*idemRec, error) {
	var rec idemRec
	ok, err := getJSON(r.tx.Bucket(bIdempotency), terminalID+"/"+key, &rec)
	if err != nil || !ok {
		return nil, err
	}
	return &rec, nil
}

func (r boltRows) putIdem(terminalID, key string, rec idemRec) error {
	k := terminalID + "/" + key
	if err := putJSON(r.tx.Bucket(bIdempotency), k, rec); err != nil {
		return err
	}
	if idx := r.tx.Bucket(bIdemByTime); idx != nil {
		return idx.Put(idemTimeKey(rec.At, k), nil)
	}
	return nil
}

func (r boltRows) floorTotal(key string) (throttleRec, error) {
	var rec throttleRec
	_, err := getJSON(r.tx.Bucket(bThrottles), key, &rec)
	return rec, err
}

func (r boltRows) putFloorTotal(key string, rec throttleRec) error {
	return putJSON(r.tx.Bucket(bThrottles), key, rec)
}

func (r boltRows) termMarker(terminalID string) ([]byte, error) {
	if b := r.tx.Bucket(bPtTermLast); b != nil {
		if v := b.Get([]byte(terminalID)); v != nil {
			return append([]byte(nil), v...), nil
		}
	}
	return nil, nil
}

func (r boltRows) terminalMoves(terminalID string, lo, hi time.Time, fn func(m *pointMove) error) error {
	tx := r.tx
	moves := tx.Bucket(bPtMoves)
	loK := terminalID + "/" + lo.UTC().Format("2006-01-02T15:04:05.000Z")
	hiK := terminalID + "/" + hi.UTC().Format("2006-01-02T15:04:05.000Z")
	cur := tx.Bucket(bPtByTerm).Cursor()
	for k, _ := cur.Seek([]byte(loK)); k != nil && string(k) < hiK; k, _ = cur.Next() {
		seqHex := string(k[strings.LastIndexByte(string(k), '/')+1:])
		var seq uint64
		if _, err := fmt.Sscanf(seqHex, "%x", &seq); err != nil {
			return err
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		var m pointMove
		if err := json.Unmarshal(moves.Get(key[:]), &m); err != nil {
			return err
		}
		if err := fn(&m); err != nil {
			return err
		}
	}
	return nil
}

func (r boltRows) addLot(mykeyID, programID, lastDay string, points int64) error {
	b := r.tx.Bucket(bPtLots)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return putInt(b, fmt.Sprintf("%s/%s/%s/%016x", mykeyID, programID, lastDay, seq), points)
}

func (r boltRows) lots(mykeyID, programID string) ([]lotRow, error) {
	var out []lotRow
	prefix := mykeyID + "/" + programID + "/"
	c := r.tx.Bucket(bPtLots).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		out = append(out, lotRow{string(k[len(prefix) : len(prefix)+10]), int64(binary.BigEndian.Uint64(v))})
	}
	return out, nil
}

func (r boltRows) expireLots(mykeyID, programID, today string) (int64, error) {
	var keys [][]byte
	var sum int64
	prefix := mykeyID + "/" + programID + "/"
	b := r.tx.Bucket(bPtLots)
	c := b.Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		if string(k[len(prefix):len(prefix)+10]) >= today {
			break
		}
		keys = append(keys, append([]byte(nil), k...))
		sum += int64(binary.BigEndian.Uint64(v))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return sum, nil
}

func (r boltRows) debitLots(mykeyID, programID string, points int64) error {
	b := r.tx.Bucket(bPtLots)
	prefix := mykeyID + "/" + programID + "/"
	type upd struct {
		k    []byte
		left int64
	}
	var ups []upd
	c := b.Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix) && points > 0; k, v = c.Next() {
		left := int64(binary.BigEndian.Uint64(v))
		take := min(left, points)
		points -= take
		ups = append(ups, upd{append([]byte(nil), k...), left - take})
	}
	if points > 0 {
		return errPtInsufficient
	}
	for _, u := range ups {
		var err error
		if u.left == 0 {
			err = b.Delete(u.k)
		} else {
			err = putInt(b, string(u.k), u.left)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r boltRows) lotsDue(today string) ([][2]string, error) {
	seen := map[[2]string]bool{}
	var out [][2]string
	c := r.tx.Bucket(bPtLots).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		parts := strings.SplitN(string(k), "/", 4)
		if len(parts) == 4 && parts[2] < today {
			h := [2]string{parts[0], parts[1]}
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out, nil
}

func (r boltRows) moveLots(old, nu string) error {
	return renameKeys(r.tx.Bucket(bPtLots), func(k string) (string, bool) {
		if rest, ok := strings.CutPrefix(k, old+"/"); ok {
			return nu + "/" + rest, true
		}
		return "", false
	})
}

func (r boltRows) lotSums() ([]lotSum, error) {
	idx := map[[2]string]int{}
	var out []lotSum
	err := r.tx.Bucket(bPtLots).ForEach(func(k, v []byte) error {
		parts := strings.SplitN(string(k), "/", 3)
		h := [2]string{parts[0], parts[1]}
		i, ok := idx[h]
		if !ok {
			i = len(out)
			idx[h] = i
			out = append(out, lotSum{mykeyID: h[0], programID: h[1]})
		}
		out[i].points += int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return out, err
}
