package mergefile

import (
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var key, _ = hex.DecodeString("000102030405060708090a0b0c0d0e0f")

func TestReceive_AcceptsOnceRefusesRepeatAndTamper(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seen.db")
	r, err := Open(db, key, "demo-secret")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := mkpf.EncodeMergeFile("520625", 300, "20261123180000-000001", key, "demo-secret")
	rec, err := r.Receive(file)
	if err != nil || rec.ID != "520625" || rec.Points != 300 {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, err := r.Receive(file); !errors.Is(err, ErrRepeated) || Message(err) == "" {
		t.Fatalf("repeat: %v", err)
	}
	// Re-encrypted with a new nonce, same transaction number: still refused.
	again, _ := mkpf.EncodeMergeFile("520625", 300, "20261123180000-000001", key, "demo-secret")
	if _, err := r.Receive(again); !errors.Is(err, ErrRepeated) {
		t.Fatalf("re-encrypted repeat: %v", err)
	}
	bad := append([]byte(nil), file...)
	bad[len(bad)-20] ^= 0x80
	if _, err := r.Receive(bad); !errors.Is(err, mkpf.ErrMergeTampered) || Message(err) == "" {
		t.Fatalf("tampered: %v", err)
	}
	r.Close()
	// The seen-database survives a restart.
	r, err = Open(db, key, "demo-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Receive(file); !errors.Is(err, ErrRepeated) {
		t.Fatalf("after reopen: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "x.db"), key[:8], "s"); err == nil {
		t.Fatal("short key accepted")
	}
}
