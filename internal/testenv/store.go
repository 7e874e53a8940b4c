package testenv

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// StoreKinds are the platform stores that table-driven tests run on: a bbolt file and a PostgreSQL database.
var StoreKinds = []string{"bbolt", "postgres"}

var (
	storeMu    sync.Mutex
	storeKinds = map[string]string{} // test name → store kind, for it and its subtests
)

// UseStore makes Store, Platform and PlatformWith give t (and its subtests) a store of kind ("bbolt" or "postgres")
// until t's cleanup.
func UseStore(t testing.TB, kind string) {
	t.Helper()
	if kind != "bbolt" && kind != "postgres" {
		t.Fatalf("testenv: unknown store kind %q", kind)
	}
	storeMu.Lock()
	storeKinds[t.Name()] = kind
	storeMu.Unlock()
	t.Cleanup(func() {
		storeMu.Lock()
		delete(storeKinds, t.Name())
		storeMu.Unlock()
	})
}

// StoreKind is the store kind UseStore chose for t or a test above it; "bbolt" when none did.
func StoreKind(t testing.TB) string {
	storeMu.Lock()
	defer storeMu.Unlock()
	for name := t.Name(); ; {
		if k, ok := storeKinds[name]; ok {
			return k
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return "bbolt"
		}
		name = name[:i]
	}
}

// Store is a fresh, empty store of t's kind (StoreKind) for platform.Open: a bbolt file path in t's temporary
// directory, or the URL of a new database on the test PostgreSQL server.
func Store(t testing.TB) string {
	t.Helper()
	if StoreKind(t) == "postgres" {
		return PostgresURL(t)
	}
	return filepath.Join(t.TempDir(), "platform.db")
}
