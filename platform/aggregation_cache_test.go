package platform_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestScreen87_AnswerCacheSeesEveryNewMovement: screen 87 answers served again from the answer cache always show a
// movement made after them: through the same server, through another server process on the same PostgreSQL (whose
// cache knows nothing of it), with the clock stepped back so the new row sorts before the last one, and after a
// program is renamed. A caller changing an answer does not change the next one.
func TestScreen87_AnswerCacheSeesEveryNewMovement(t *testing.T) {
	eachStore(t, testScreen87_AnswerCacheSeesEveryNewMovement)
}

func testScreen87_AnswerCacheSeesEveryNewMovement(t *testing.T) {
	clk := newClock()
	store := testenv.Store(t)
	opts := platform.Options{Now: clk.Now, Argon2Memory: 1024, Argon2Time: 1, PointsSessionTTL: 10 * 365 * 24 * time.Hour}
	a, err := platform.Open(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	b := a // a bbolt file has one server process
	if testenv.StoreKind(t) == "postgres" {
		if b, err = platform.Open(store, opts); err != nil { // a second server process on the same database
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
	}
	hs := httptest.NewServer(b.Handler())
	t.Cleanup(hs.Close)
	ctx := context.Background()
	const id = "00052589"
	shop, err := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shop.Close() })
	dt, _ := platform.DemoTerminalByID(id)
	if _, err := shop.Enroll(ctx, hs.URL, id, dt.Password); err != nil {
		t.Fatal(err)
	}
	yamada := cardOf(t, "yamada")
	use := func(points int64) {
		t.Helper()
		if _, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: points}, ""); err != nil {
			t.Fatal(err)
		}
	}
	// want checks both servers' answers (a's through the Go API, b's through HTTP), twice each (the second from the
	// cache), and returns a's.
	want := func(count int, total int64) *mkpf.Aggregate {
		t.Helper()
		from, to := jstDay(clk.Now(), -5), jstDay(clk.Now(), 1)
		var got *mkpf.Aggregate
		for i := 0; i < 2; i++ {
			ga, err := a.Aggregate(id, from, to)
			if err != nil || ga.Count != count || ga.Total != total || len(ga.Rows) != count {
				t.Fatalf("server a, aggregate %d: %+v %v; want %d rows, %d points", i, ga, err, count, total)
			}
			gb, err := shop.Aggregate(ctx, from, to)
			if err != nil || gb.Count != count || gb.Total != total || len(gb.Rows) != count {
				t.Fatalf("server b over HTTP, aggregate %d: %+v %v; want %d rows, %d points", i, gb, err, count, total)
			}
			got = ga
		}
		return got
	}
	want(0, 0)
	use(10)
	use(20)
	got := want(2, 30)
	got.Rows[0].Points, got.Total = 999, 999 // the caller's copy
	want(2, 30)
	use(5)
	want(3, 35)

	clk.Add(-time.Hour) // the clock steps back: the new row sorts before the previous ones in the terminal's index
	use(7)
	got = want(4, 42)
	if got.Rows[0].Points != 7 {
		t.Fatalf("the row made after the clock stepped back is not first: %+v", got.Rows)
	}

	progs, err := b.Programs()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range progs {
		if p.ID == platform.DemoProgramMunicipal {
			p.Name = "改名したポイント"
			if err := b.CreateProgram(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range want(4, 42).Rows {
		if r.ProgramName != "改名したポイント" {
			t.Fatalf("a renamed program shows its old name: %+v", r)
		}
	}
}
