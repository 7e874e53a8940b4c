package platform_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// BenchmarkPointUse measures durable point-use transactions per second through real HTTP on loopback: each one a
// bbolt write transaction (ledger entry, balance, totals, idempotency record) committed with fsync, after the JPKI
// certificate check. The baseline in the same run is a bare net/http handler that appends one line to a file and
// fsyncs it per request: the floor any durable transaction on this disk and HTTP stack has. scripts/bench-points.sh adds
// PostgreSQL's pgbench running the same debit with synchronous_commit=on. platform_postgres is the same server on the
// PostgreSQL store (testenv's server, synchronous_commit=on).
func BenchmarkPointUse(b *testing.B) {
	serverGC(b)
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("platform/conc=%d", par), func(b *testing.B) { benchPlatform(b, par, filepath.Join(b.TempDir(), "platform.db")) })
		b.Run(fmt.Sprintf("platform_postgres/conc=%d", par), func(b *testing.B) { benchPlatform(b, par, testenv.PostgresURL(b)) })
		b.Run(fmt.Sprintf("baseline_http_fsync/conc=%d", par), func(b *testing.B) { benchBaseline(b, par) })
	}
}

func benchPlatform(b *testing.B, par int, store string) {
	srv, err := platform.Open(store, platform.Options{Argon2Memory: 1024, Argon2Time: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.SeedDemo(); err != nil {
		b.Fatal(err)
	}
	if err := srv.GrantPoints(platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, 1<<40, "bench"); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	c, err := testenv.OpenClient(b.TempDir(), platformclient.Options{Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Enroll(ctx, hs.URL, "00052589", "15ad3z09a"); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Login(ctx, "00052589", "15ad3z09a"); err != nil { // screen 2: the points calls need its session
		b.Fatal(err)
	}
	req := mkpf.UseRequest{PatronRef: cardOf(b, "yamada"), ProgramID: platform.DemoProgramMunicipal, Points: 1}
	// Straight through a raw call (testenv.RawCall) with a fresh key: the server's durable transaction, not the terminal's own journal.
	runConc(b, par, "tx/s", func() error {
		var res mkpf.UseResult
		return testenv.RawCall(ctx, c, http.MethodPost, "/v1/points/use", req, &res, platformclient.NewIdempotencyKey())
	})
	if a, err := srv.AuditLedger(); err != nil || !a.OK {
		b.Fatalf("ledger %+v %v", a, err)
	}
}

func benchBaseline(b *testing.B, par int) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var mu sync.Mutex
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		_, err := f.Write(append(body[:min(len(body), 64)], '\n'))
		if err == nil {
			err = f.Sync()
		}
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer hs.Close()
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	runConc(b, par, "tx/s", func() error {
		res, err := cl.Post(hs.URL, "application/json", strings.NewReader(`{"program_id":"141305-jichitai","points":1}`))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil
	})
}
