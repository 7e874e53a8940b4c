package platform_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// BenchmarkStoreSizePerMillionUses measures how much the store grows per 1,000,000 durable point uses (extrapolated
// from SIZE_USES uses through HTTP, default 20,000, from 8 clients with a fresh idempotency key each), before and
// after the idempotency records are pruned (the clock moved past platform.IdempotencyKeep). bbolt: the file's bytes
// before, and the bytes in use after pruning (the freed pages are reused by later writes; a compacted copy is that
// size). PostgreSQL: the kv table with its indexes and TOAST, before and after VACUUM FULL. What stays is the ledger
// (append-only by design) and its per-terminal index. Run with -benchtime 1x.
func BenchmarkStoreSizePerMillionUses(b *testing.B) {
	for _, kind := range testenv.StoreKinds {
		b.Run("store="+kind, func(b *testing.B) { benchStoreSize(b, kind) })
	}
}

func benchStoreSize(b *testing.B, kind string) {
	uses := 20000
	if v, err := strconv.Atoi(os.Getenv("SIZE_USES")); err == nil && v > 0 {
		uses = v
	}
	clk := newClock()
	store := filepath.Join(b.TempDir(), "platform.db")
	if kind == "postgres" {
		store = testenv.PostgresURL(b)
	}
	srv, err := platform.Open(store, platform.Options{Now: clk.Now, Argon2Memory: 1024, Argon2Time: 1})
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
	hs := httpServer(b, srv)
	c := benchClient(b, hs, "00052589", "15ad3z09a")
	ctx := context.Background()
	req := mkpf.UseRequest{PatronRef: cardOf(b, "yamada"), ProgramID: platform.DemoProgramMunicipal, Points: 1}
	use := func() error {
		var res mkpf.UseResult
		return testenv.RawCall(ctx, c, http.MethodPost, "/v1/points/use", req, &res, platformclient.NewIdempotencyKey())
	}
	for i := 0; i < 200; i++ { // warm-up: the buckets' first pages exist before the measurement starts
		if err := use(); err != nil {
			b.Fatal(err)
		}
	}
	size := func(vacuumFull bool) int64 {
		if db := kv.BoltOf(srv.DB()); db != nil {
			var n int64
			if err := db.View(func(tx *bbolt.Tx) error { n = tx.Size(); return nil }); err != nil {
				b.Fatal(err)
			}
			st := db.Stats()
			return n - int64(st.FreePageN+st.PendingPageN)*int64(db.Info().PageSize)
		}
		conn, err := pgx.Connect(ctx, store)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		if vacuumFull {
			if _, err := conn.Exec(ctx, "VACUUM FULL kv"); err != nil {
				b.Fatal(err)
			}
		}
		var n int64
		if err := conn.QueryRow(ctx, "SELECT pg_total_relation_size('kv')").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	before := size(false)
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < uses; i += 8 {
				if err := use(); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	grown := size(false)
	clk.Add(platform.IdempotencyKeep + time.Hour)
	pruned, err := srv.PruneIdempotency()
	if err != nil || pruned < uses {
		b.Fatalf("pruned %d idempotency records, %v; want ≥ %d", pruned, err, uses)
	}
	after := size(true)
	perM := func(n int64) float64 { return float64(n) / float64(uses) * 1e6 / (1 << 20) }
	b.Logf("%s: %d uses: %d → %d bytes, %d after pruning %d idempotency records", kind, uses, before, grown, after, pruned)
	b.ReportMetric(perM(grown-before), "MiB/1M-uses")
	b.ReportMetric(perM(after-before), "MiB/1M-uses-pruned")
	if a, err := srv.AuditLedger(); err != nil || !a.OK {
		b.Fatalf("ledger %+v %v", a, err)
	}
}
