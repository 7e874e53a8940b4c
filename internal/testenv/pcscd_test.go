package testenv

import (
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
