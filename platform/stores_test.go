package platform_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

// eachStore runs f once per store kind (testenv.StoreKinds: a bbolt file, a PostgreSQL database), as subtests named
// after the kind; testenv.Platform and testenv.Store inside f give a store of that kind (testenv.EachStore: not again
// in make test's MKPF_TEST_STORE=postgres pass).
func eachStore(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	testenv.EachStore(t, f)
}

// TestRedactStore: a PostgreSQL URL is shown without its password (log lines, messages); a file path as it is.
func TestRedactStore(t *testing.T) {
	got := platform.RedactStore("postgres://mkpf:s3cret@db.example.lg.jp:5432/mkpf?sslmode=verify-full")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db.example.lg.jp") {
		t.Fatalf("redacted: %s", got)
	}
	got = platform.RedactStore("postgres://mkpf@/mkpf?host=/run/postgresql&password=s3cret&sslmode=disable")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "/run/postgresql") {
		t.Fatalf("redacted (password parameter): %s", got)
	}
	if got := platform.RedactStore("/var/lib/mkpf/p.db"); got != "/var/lib/mkpf/p.db" {
		t.Fatalf("a file: %s", got)
	}
	_, err := platform.Open("postgres://mkpf:s3cret@/mkpf?host=/nonexistent-socket-dir", platform.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("open error shows the password or no error: %v", err)
	}
}

// storedBytes is all a store holds as its disk would: a bbolt file's bytes, or on PostgreSQL every key and value of
// the buckets (table kv), for tests that look for a secret in clear.
func storedBytes(t *testing.T, store string) []byte {
	t.Helper()
	if !strings.HasPrefix(store, "postgres://") {
		b, err := os.ReadFile(store)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var b []byte
	if err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(k || v, ''::bytea), ''::bytea) FROM kv`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatal("the store's table kv is empty")
	}
	return b
}
