package testenv

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPCSCD_InsertVirtualMakesTheCardPresentAndRemoveEmptiesTheSlot(t *testing.T) {
	env := PCSCD(t)
	remove := env.InsertVirtual(t, "tanaka", 1)
	if present, err := cardPresent(env.Reader(1), 0); err != nil || !present {
		t.Fatalf("present %v, %v", present, err)
	}
	remove()
	if present, err := cardPresent(env.Reader(1), 0); err != nil || present {
		t.Fatalf("after remove: present %v, %v", present, err)
	}
	remove() // idempotent
	start := time.Now()
	env.InsertVirtual(t, "yamada", 1) // re-insertion in the same test
	t.Logf("insertion seen by pcscd after %v", time.Since(start))
}

// Issue 11, item 12: the harness decides that pcscd runs by its socket answering, not by a pid file or a process:
// a socket file nobody listens on (left by a killed pcscd) is "not running".
func TestPCSCD_AliveMeansTheSocketAnswers(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.comm")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	if !socketAnswers(stale) {
		t.Fatal("a listening socket does not answer")
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the socket file stays, as after a SIGKILL
	if _, err := os.Stat(stale); err != nil {
		t.Fatalf("the stale socket file should remain: %v", err)
	}
	if socketAnswers(stale) {
		t.Fatal("a socket file without a listener counts as a running pcscd")
	}
	PCSCD(t)
	if !pcscdAlive() {
		t.Fatal("pcscd started by the harness does not answer on its socket")
	}
}
