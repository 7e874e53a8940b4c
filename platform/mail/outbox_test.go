package mail

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

func openStore(t *testing.T) kv.DB {
	t.Helper()
	db, err := kv.OpenBolt(filepath.Join(t.TempDir(), "mail.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx kv.Tx) error {
		for _, b := range [][]byte{BucketOutbox, BucketDue, BucketDead} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestEnqueue_NoticeIsDueAtOnceAndRolledBackWithItsTransaction: an enqueued notice is in the outbox and due at once
// (key 0 + sequence) when its transaction commits, and absent when the transaction that queued it rolls back.
func TestEnqueue_NoticeIsDueAtOnceAndRolledBackWithItsTransaction(t *testing.T) {
	db := openStore(t)
	n := Notice{To: "a@example.jp", Subject: "s", Body: "b", Created: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.Update(func(tx kv.Tx) error { return Enqueue(tx, n) }); err != nil {
		t.Fatal(err)
	}
	rollback := errRollback{}
	if err := db.Update(func(tx kv.Tx) error {
		if err := Enqueue(tx, n); err != nil {
			return err
		}
		return rollback
	}); err != rollback {
		t.Fatalf("Update = %v", err)
	}
	if p, err := Pending(db); err != nil || p != 1 {
		t.Fatalf("Pending = %d, %v; want 1", p, err)
	}
	if err := db.View(func(tx kv.Tx) error {
		var keys [][]byte
		if err := tx.Bucket(BucketDue).ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil }); err != nil {
			return err
		}
		if len(keys) != 1 || len(keys[0]) != 16 || string(keys[0][:8]) != string(make([]byte, 8)) {
			t.Errorf("due index = %x, want one key due at once", keys)
		}
		var got Notice
		if err := json.Unmarshal(tx.Bucket(BucketOutbox).Get(keys[0][8:]), &got); err != nil || got != n {
			t.Errorf("outbox record = %+v, %v", got, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestIndexOutbox_RebuildsAMissingDueIndex: a store whose outbox has no due index (from before it) gets one entry per
// notice, at its next try.
func TestIndexOutbox_RebuildsAMissingDueIndex(t *testing.T) {
	db := openStore(t)
	next := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	if err := db.Update(func(tx kv.Tx) error {
		raw, _ := json.Marshal(Notice{To: "a@example.jp", NextTry: next})
		return tx.Bucket(BucketOutbox).Put([]byte{0, 0, 0, 0, 0, 0, 0, 7}, raw)
	}); err != nil {
		t.Fatal(err)
	}
	if err := indexOutbox(db); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx kv.Tx) error {
		want := dueKey(next, []byte{0, 0, 0, 0, 0, 0, 0, 7})
		if tx.Bucket(BucketDue).Stats().KeyN != 1 || tx.Bucket(BucketDue).Get(want) == nil {
			t.Errorf("the due index was not rebuilt at the notice's next try")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if d, err := DeadLetters(db); err != nil || d != 0 {
		t.Errorf("DeadLetters = %d, %v", d, err)
	}
}

type errRollback struct{}

func (errRollback) Error() string { return "roll back" }
