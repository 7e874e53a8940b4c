package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// StoreKinds are the platform stores that table-driven tests run on: a bbolt file and a PostgreSQL database.
var StoreKinds = []string{"bbolt", "postgres"}

// StoreEnv names the environment variable that sets the default store kind of every test that does not choose one
// with UseStore: MKPF_TEST_STORE=postgres runs them on PostgreSQL (make test runs the store-using packages a second
// time so); unset or "bbolt", on a bbolt file. Any other value fails the test that asks.
const StoreEnv = "MKPF_TEST_STORE"

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

// StoreKind is the store kind UseStore chose for t or a test above it; when none did, DefaultStoreKind.
func StoreKind(t testing.TB) string {
	storeMu.Lock()
	for name := t.Name(); ; {
		if k, ok := storeKinds[name]; ok {
			storeMu.Unlock()
			return k
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	storeMu.Unlock()
	return DefaultStoreKind(t)
}

// DefaultStoreKind is the store kind of tests that choose none: $MKPF_TEST_STORE ("bbolt" or "postgres"), "bbolt"
// when it is unset.
func DefaultStoreKind(t testing.TB) string {
	t.Helper()
	switch k := os.Getenv(StoreEnv); k {
	case "", "bbolt":
		return "bbolt"
	case "postgres":
		return "postgres"
	default:
		t.Fatalf("testenv: %s=%q: say bbolt or postgres", StoreEnv, k)
		return ""
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

// EachStore runs f once per store kind (StoreKinds), as subtests named after the kind; Store, Platform and
// PlatformWith inside f give a store of that kind. In a MKPF_TEST_STORE=postgres pass it runs nothing: the default
// pass has run f on both kinds already.
func EachStore(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	ChoosesItsStores(t, "EachStore")
	for _, kind := range StoreKinds {
		t.Run(kind, func(t *testing.T) {
			UseStore(t, kind)
			f(t)
		})
	}
}

// BboltOnly pins t to a bbolt file: a test of bbolt itself (its file and lock, its backups, a SIGKILL mid-write)
// that has no PostgreSQL counterpart, or whose counterpart is a test of its own. why says which. In a
// MKPF_TEST_STORE=postgres pass it does not run again: it ran on bbolt in the default pass.
func BboltOnly(t testing.TB, why string) {
	t.Helper()
	if DefaultStoreKind(t) != "bbolt" {
		t.Skipf("bbolt only (%s): ran in the default pass, not again with %s=%s", why, StoreEnv, DefaultStoreKind(t))
	}
	UseStore(t, "bbolt")
}

// ChoosesItsStores says that t picks its store kinds itself (EachStore, a table of kinds, a PostgreSQL-only test), so
// that MKPF_TEST_STORE changes nothing for it: in a MKPF_TEST_STORE=postgres pass it does not run again, having run
// on the same stores in the default pass. how says how it picks them.
func ChoosesItsStores(t testing.TB, how string) {
	t.Helper()
	if k := DefaultStoreKind(t); k != "bbolt" {
		t.Skipf("picks its stores itself (%s) and ran on them in the default pass: not again with %s=%s", how, StoreEnv, k)
	}
}
