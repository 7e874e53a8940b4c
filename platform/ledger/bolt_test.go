package ledger_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/ledger"
)

// The money rows on bbolt, through the store alone. The same rows on PostgreSQL, and the rules around them, are
// tested through the whole server in package platform (ledger_rows_test.go, points_*_test.go) on both stores.

func openBolt(t *testing.T) kv.DB {
	t.Helper()
	db, err := kv.OpenBolt(filepath.Join(t.TempDir(), "ledger.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	err = db.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{ledger.BucketBalances, ledger.BucketMoves, ledger.BucketByTerminal, ledger.BucketTotals,
			ledger.BucketLots, ledger.BucketTermLast, ledger.BucketIdem, ledger.BucketIdemByTime, ledger.BucketDayTotals} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestBoltRows_DebitPastZeroIsRefusedAndBooksNothing: a debit of more than the balance is ErrInsufficient and leaves
// the balance, the log and the terminal's marker as they were; a debit within it books one movement, indexed under
// its terminal, and changes the marker.
func TestBoltRows_DebitPastZeroIsRefusedAndBooksNothing(t *testing.T) {
	db := openBolt(t)
	at := time.Date(2026, 4, 1, 10, 0, 0, 123456789, time.UTC)
	var marker0 []byte
	err := db.Update(func(tx kv.Tx) error {
		r := ledger.Of(tx)
		if _, ok := r.(ledger.Bolt); !ok {
			t.Fatalf("ledger.Of on bbolt is %T, want ledger.Bolt", r)
		}
		if _, err := r.ChangeBalance("P1", "muni", 10); err != nil {
			return err
		}
		if err := r.AppendMove(&ledger.Move{At: at, Kind: ledger.KindGrant, MyKeyID: "P1", ProgramID: "muni", Points: 10, Delta: 10, TerminalID: "T1"}); err != nil {
			return err
		}
		var err error
		marker0, err = r.TerminalMarker("T1")
		return err
	})
	if err != nil || marker0 == nil {
		t.Fatalf("grant: %v, marker %x", err, marker0)
	}
	err = db.Update(func(tx kv.Tx) error {
		_, err := ledger.Of(tx).DebitAndBook(&ledger.Move{At: at, Kind: ledger.KindUse, MyKeyID: "P1", ProgramID: "muni", Points: 11, Delta: -11, TerminalID: "T1"})
		return err
	})
	if !errors.Is(err, ledger.ErrInsufficient) {
		t.Fatalf("debit of 11 from 10: %v, want ErrInsufficient", err)
	}
	var bal int64
	var moves []ledger.Move
	err = db.Update(func(tx kv.Tx) error {
		r := ledger.Of(tx)
		m := &ledger.Move{At: at.Add(time.Minute), Kind: ledger.KindUse, MyKeyID: "P1", ProgramID: "muni", Points: 4, Delta: -4, TerminalID: "T1"}
		if bal, err = r.DebitAndBook(m); err != nil {
			return err
		}
		if m.Seq != 2 || m.TxnID() != "T0000000002" || !m.At.Equal(ledger.MoveTime(at.Add(time.Minute))) {
			t.Errorf("booked move: seq %d, txn %s, at %v", m.Seq, m.TxnID(), m.At)
		}
		if mk, _ := r.TerminalMarker("T1"); string(mk) == string(marker0) {
			t.Errorf("the terminal's marker did not change with its movement")
		}
		return r.TerminalMoves("T1", at, at.Add(time.Hour), func(m *ledger.Move) error { moves = append(moves, *m); return nil })
	})
	if err != nil || bal != 6 {
		t.Fatalf("debit of 4 from 10: balance %d, %v", bal, err)
	}
	if len(moves) != 2 || moves[0].Kind != ledger.KindGrant || moves[1].Kind != ledger.KindUse || moves[1].Points != 4 {
		t.Fatalf("terminal's movements: %+v, want the grant and one use of 4 (the refused debit booked nothing)", moves)
	}
}

// TestBoltRows_SpendLotsExpiresThenTakesOldestFirst: a use of a program whose points expire first books the lots past
// their last day as one points_expire movement, then takes the use from the lots left, oldest first.
func TestBoltRows_SpendLotsExpiresThenTakesOldestFirst(t *testing.T) {
	db := openBolt(t)
	var bal, expired int64
	var lots []ledger.Lot
	err := db.Update(func(tx kv.Tx) error {
		r := ledger.Of(tx)
		for _, l := range []ledger.Lot{{LastDay: "2026-03-31", Left: 5}, {LastDay: "2026-05-31", Left: 7}, {LastDay: "2026-04-30", Left: 3}} {
			if err := r.AddLot("P1", "shop", l.LastDay, l.Left); err != nil {
				return err
			}
		}
		if _, err := r.ChangeBalance("P1", "shop", 15); err != nil {
			return err
		}
		var err error
		bal, expired, err = r.SpendLots(&ledger.Move{At: time.Now(), Kind: ledger.KindUse, MyKeyID: "P1", ProgramID: "shop", Points: 4, Delta: -4}, "2026-04-01")
		if err != nil {
			return err
		}
		lots, err = r.Lots("P1", "shop")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Lot{{LastDay: "2026-05-31", Left: 6}}
	if bal != 6 || expired != 5 || len(lots) != 1 || lots[0] != want[0] {
		t.Fatalf("after spending 4 on 2026-04-01: balance %d, expired %d, lots %+v; want 6, 5, %+v", bal, expired, lots, want)
	}
}

// TestBoltRows_DayTotalIsTheThrottlesRecord: a day total shares the throttles bucket with the login and enrollment
// throttles, whose sweep reads every record there as {"start", "n"}; the ledger's DayTotal keeps that shape.
func TestBoltRows_DayTotalIsTheThrottlesRecord(t *testing.T) {
	db := openBolt(t)
	day := time.Date(2026, 4, 1, 0, 0, 0, 0, time.FixedZone("JST", 9*3600))
	err := db.Update(func(tx kv.Tx) error {
		return ledger.Of(tx).PutDayTotal("floor/card/X", ledger.DayTotal{Start: day, Points: 1200})
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx kv.Tx) error {
		var rec struct {
			Start time.Time `json:"start"`
			N     int       `json:"n"`
		}
		raw := tx.Bucket(ledger.BucketDayTotals).Get([]byte("floor/card/X"))
		if err := json.Unmarshal(raw, &rec); err != nil || rec.N != 1200 || !rec.Start.Equal(day) {
			t.Errorf("stored day total %s read as the throttles' record: %+v, %v", raw, rec, err)
		}
		got, err := ledger.Of(tx).DayTotal("floor/card/X")
		if err != nil || got.Points != 1200 || !got.Start.Equal(day) {
			t.Errorf("DayTotal: %+v, %v", got, err)
		}
		return nil
	})
}
