package ledger

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// Bolt keeps the money rows in buckets: BucketBalances, BucketMoves with BucketByTerminal and BucketTermLast,
// BucketTotals, BucketLots, BucketIdem with BucketIdemByTime, and the day totals in BucketDayTotals.
type Bolt struct{ tx kv.Tx }

// NewBolt is the money rows of a bbolt transaction (or of the buckets of any store: a store copy).
func NewBolt(tx kv.Tx) Bolt { return Bolt{tx} }

func (r Bolt) Balance(mykeyID, programID string) (int64, error) {
	return kv.GetInt(r.tx.Bucket(BucketBalances), mykeyID+"/"+programID), nil
}

func (r Bolt) ChangeBalance(mykeyID, programID string, delta int64) (int64, error) {
	b := r.tx.Bucket(BucketBalances)
	k := mykeyID + "/" + programID
	n := kv.GetInt(b, k) + delta
	if n < 0 {
		return 0, ErrInsufficient
	}
	return n, kv.PutInt(b, k, n)
}

func (r Bolt) DropBalance(mykeyID, programID string) error {
	b := r.tx.Bucket(BucketBalances)
	k := mykeyID + "/" + programID
	if kv.GetInt(b, k) != 0 {
		return fmt.Errorf("points: the balance %s is not zero", k)
	}
	return b.Delete([]byte(k))
}

func (r Bolt) HeldBalances(mykeyID string) ([]HeldBalance, error) {
	var out []HeldBalance
	prefix := mykeyID + "/"
	c := r.tx.Bucket(BucketBalances).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		if len(v) == 8 {
			out = append(out, HeldBalance{string(k[len(prefix):]), int64(binary.BigEndian.Uint64(v))})
		}
	}
	return out, nil
}

func (r Bolt) AppendMove(m *Move) error {
	tx := r.tx
	m.At = MoveTime(m.At)
	b := tx.Bucket(BucketMoves)
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
		if err := tx.Bucket(BucketByTerminal).Put([]byte(ik), nil); err != nil {
			return err
		}
		return MarkTerminal(tx, m.TerminalID, seq) // the aggregation cache's marker (platform/aggregation_cache.go)
	}
	return nil
}

func (r Bolt) DebitAndBook(m *Move) (int64, error) {
	bal, err := r.ChangeBalance(m.MyKeyID, m.ProgramID, -m.Points)
	if err != nil {
		return 0, err
	}
	return bal, r.AppendMove(m)
}

func (r Bolt) SpendLots(m *Move, today string) (int64, int64, error) {
	expired, err := r.ExpireLots(m.MyKeyID, m.ProgramID, today)
	if err != nil {
		return 0, 0, err
	}
	if expired > 0 {
		if _, err := r.ChangeBalance(m.MyKeyID, m.ProgramID, -expired); err != nil {
			return 0, 0, err
		}
		x := &Move{At: m.At, Kind: KindPointsExpire, MyKeyID: m.MyKeyID, ProgramID: m.ProgramID, Points: expired, Delta: -expired}
		if err := r.AppendMove(x); err != nil {
			return 0, 0, err
		}
	}
	bal, err := r.DebitAndBook(m)
	if err != nil {
		return 0, 0, err
	}
	return bal, expired, r.DebitLots(m.MyKeyID, m.ProgramID, m.Points)
}

func (r Bolt) AddTotal(name string, d int64) error {
	b := r.tx.Bucket(BucketTotals)
	return kv.PutInt(b, name, kv.GetInt(b, name)+d)
}

func (r Bolt) StoredAnswer(terminalID, key string) (*IdemRecord, error) {
	var rec IdemRecord
	ok, err := kv.GetJSON(r.tx.Bucket(BucketIdem), terminalID+"/"+key, &rec)
	if err != nil || !ok {
		return nil, err
	}
	return &rec, nil
}

func (r Bolt) StoreAnswer(terminalID, key string, rec IdemRecord) error {
	k := terminalID + "/" + key
	if err := kv.PutJSON(r.tx.Bucket(BucketIdem), k, rec); err != nil {
		return err
	}
	if idx := r.tx.Bucket(BucketIdemByTime); idx != nil {
		return idx.Put(IdemTimeKey(rec.At, k), nil)
	}
	return nil
}

func (r Bolt) DayTotal(key string) (DayTotal, error) {
	var rec DayTotal
	_, err := kv.GetJSON(r.tx.Bucket(BucketDayTotals), key, &rec)
	return rec, err
}

func (r Bolt) PutDayTotal(key string, rec DayTotal) error {
	return kv.PutJSON(r.tx.Bucket(BucketDayTotals), key, rec)
}

func (r Bolt) TerminalMarker(terminalID string) ([]byte, error) {
	if b := r.tx.Bucket(BucketTermLast); b != nil {
		if v := b.Get([]byte(terminalID)); v != nil {
			return append([]byte(nil), v...), nil
		}
	}
	return nil, nil
}

func (r Bolt) TerminalMoves(terminalID string, lo, hi time.Time, fn func(m *Move) error) error {
	tx := r.tx
	moves := tx.Bucket(BucketMoves)
	loK := terminalID + "/" + lo.UTC().Format("2006-01-02T15:04:05.000Z")
	hiK := terminalID + "/" + hi.UTC().Format("2006-01-02T15:04:05.000Z")
	cur := tx.Bucket(BucketByTerminal).Cursor()
	for k, _ := cur.Seek([]byte(loK)); k != nil && string(k) < hiK; k, _ = cur.Next() {
		seqHex := string(k[strings.LastIndexByte(string(k), '/')+1:])
		var seq uint64
		if _, err := fmt.Sscanf(seqHex, "%x", &seq); err != nil {
			return err
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], seq)
		var m Move
		if err := json.Unmarshal(moves.Get(key[:]), &m); err != nil {
			return err
		}
		if err := fn(&m); err != nil {
			return err
		}
	}
	return nil
}

func (r Bolt) AddLot(mykeyID, programID, lastDay string, points int64) error {
	b := r.tx.Bucket(BucketLots)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	return kv.PutInt(b, fmt.Sprintf("%s/%s/%s/%016x", mykeyID, programID, lastDay, seq), points)
}

func (r Bolt) Lots(mykeyID, programID string) ([]Lot, error) {
	var out []Lot
	prefix := mykeyID + "/" + programID + "/"
	c := r.tx.Bucket(BucketLots).Cursor()
	for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
		out = append(out, Lot{string(k[len(prefix) : len(prefix)+10]), int64(binary.BigEndian.Uint64(v))})
	}
	return out, nil
}

func (r Bolt) ExpireLots(mykeyID, programID, today string) (int64, error) {
	var keys [][]byte
	var sum int64
	prefix := mykeyID + "/" + programID + "/"
	b := r.tx.Bucket(BucketLots)
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

func (r Bolt) DebitLots(mykeyID, programID string, points int64) error {
	b := r.tx.Bucket(BucketLots)
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
		return ErrInsufficient
	}
	for _, u := range ups {
		var err error
		if u.left == 0 {
			err = b.Delete(u.k)
		} else {
			err = kv.PutInt(b, string(u.k), u.left)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r Bolt) LotsDue(today string) ([][2]string, error) {
	seen := map[[2]string]bool{}
	var out [][2]string
	c := r.tx.Bucket(BucketLots).Cursor()
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

func (r Bolt) MoveLots(old, nu string) error {
	return kv.RenameKeys(r.tx.Bucket(BucketLots), func(k string) (string, bool) {
		if rest, ok := strings.CutPrefix(k, old+"/"); ok {
			return nu + "/" + rest, true
		}
		return "", false
	})
}

func (r Bolt) LotSums() ([]LotSum, error) {
	idx := map[[2]string]int{}
	var out []LotSum
	err := r.tx.Bucket(BucketLots).ForEach(func(k, v []byte) error {
		parts := strings.SplitN(string(k), "/", 3)
		h := [2]string{parts[0], parts[1]}
		i, ok := idx[h]
		if !ok {
			i = len(out)
			idx[h] = i
			out = append(out, LotSum{MyKeyID: h[0], ProgramID: h[1]})
		}
		out[i].Points += int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return out, err
}
