// Package testenv starts the real parts that tests need (pcscd with vpcd and virtual cards, cupsd, Xvfb, the
// platform on loopback) and serialises tests over global resources with Lock. A missing part fails the test with
// what to install; it never skips. Each helper owns its own file.
package testenv

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockDir holds the lock files that serialise tests (in different `go test` processes) over one global resource.
const LockDir = "/tmp/mykeyterm-locks"

// Lock takes an exclusive flock on LockDir/name.lock and holds it until t's cleanup. Use one name per global
// resource ("vpcd", "cupsd"): `go test ./...` runs packages in parallel processes that would otherwise collide.
func Lock(t testing.TB, name string) {
	t.Helper()
	if err := os.MkdirAll(LockDir, 0o777); err != nil {
		t.Fatalf("testenv: lock dir: %v", err)
	}
	f, err := os.OpenFile(filepath.Join(LockDir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("testenv: lock %s: %v", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("testenv: lock %s: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
