package platform_test

import (
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

// eachStore runs f once per store kind (testenv.StoreKinds: a bbolt file, a PostgreSQL database), as subtests named
// after the kind; testenv.Platform and testenv.Store inside f give a store of that kind.
func eachStore(t *testing.T, f func(t *testing.T)) {
	for _, kind := range testenv.StoreKinds {
		t.Run(kind, func(t *testing.T) {
			testenv.UseStore(t, kind)
			f(t)
		})
	}
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
