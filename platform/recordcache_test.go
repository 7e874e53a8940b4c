package platform

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// TestRecordCache_NeverStale: a terminal record read through the decoded-record cache is the one in the reading
// transaction's snapshot: a change committed by any writer is seen on the next read, a read transaction opened
// before the change still sees the old record, an absent record is absent, and changing a returned record (its
// contact, its device key) changes neither the store nor the next read.
func TestRecordCache_NeverStale(t *testing.T) {
	db, err := kv.OpenBolt(filepath.Join(t.TempDir(), "p.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := initSchema(db); err != nil {
		t.Fatal(err)
	}
	put := func(t0 terminalRec) {
		t.Helper()
		if err := db.Update(func(tx kv.Tx) error { return kv.PutJSON(tx.Bucket(bTerminals), t0.ID, t0) }); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *terminalRec {
		t.Helper()
		var got *terminalRec
		if err := db.View(func(tx kv.Tx) error {
			var err error
			got, err = getTerminal(tx, "00052589")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if read() != nil {
		t.Fatal("an absent terminal was found")
	}
	put(terminalRec{ID: "00052589", Name: "一", DeviceKey: []byte{1, 2, 3}, Contact: &mkpf.Contact{Location: "受付"}})
	first := read()
	if first == nil || first.Name != "一" || first.Contact.Location != "受付" {
		t.Fatalf("read %+v", first)
	}
	first.Contact.Location, first.DeviceKey[0], first.Name = "変更", 9, "変更"
	if again := read(); again.Name != "一" || again.Contact.Location != "受付" || again.DeviceKey[0] != 1 {
		t.Fatalf("a caller's change reached the next read: %+v %+v", again, again.Contact)
	}

	// A read transaction open before a change keeps its snapshot; the next one sees the change.
	started, done := make(chan struct{}), make(chan *terminalRec)
	release := make(chan struct{})
	go func() {
		var got *terminalRec
		_ = db.View(func(tx kv.Tx) error {
			getTerminal(tx, "00052589")
			close(started)
			<-release
			got, _ = getTerminal(tx, "00052589")
			return nil
		})
		done <- got
	}()
	<-started
	put(terminalRec{ID: "00052589", Name: "二", Disabled: true, TokenGen: 3})
	if now := read(); now.Name != "二" || !now.Disabled || now.TokenGen != 3 || now.Contact != nil {
		t.Fatalf("a committed change is not seen: %+v", now)
	}
	close(release)
	if old := <-done; old == nil || old.Name != "一" || old.Disabled {
		t.Fatalf("an older snapshot saw the newer record: %+v", old)
	}
}
