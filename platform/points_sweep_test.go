package platform_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

func jstDay(t time.Time, d int) string {
	return t.In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, d).Format("2006-01-02")
}

// TestScreen87_AggregateIsAReadThatWaitsForNoWriter: screen 87 answers while a point transaction holds the store's
// writer, even with an outstanding voucher past its expiry in the store (the old aggregation lapsed every voucher in
// a write transaction first, so it waited behind payments and payments waited behind it). The voucher is lapsed by
// the sweep afterwards.
func TestScreen87_AggregateIsAReadThatWaitsForNoWriter(t *testing.T) {
	eachStore(t, testScreen87_AggregateIsAReadThatWaitsForNoWriter)
}

func testScreen87_AggregateIsAReadThatWaitsForNoWriter(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	shop, issuer := w.terminal("00052589"), w.terminal("00053059")
	if _, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 120}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 500, Expires: jstDay(w.clk.Now(), 1)}, ""); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(3 * 24 * time.Hour)
	if _, err := shop.Balances(ctx, yamada); err != nil { // a fresh token before the writer is held
		t.Fatal(err)
	}
	_, release := platform.HoldCommits(w.srv)
	type answer struct {
		agg *mkpf.Aggregate
		err error
	}
	got := make(chan answer, 1)
	go func() {
		agg, err := shop.Aggregate(ctx, jstDay(w.clk.Now(), -5), jstDay(w.clk.Now(), 0))
		got <- answer{agg, err}
	}()
	var a answer
	select {
	case a = <-got:
	case <-time.After(time.Minute): // a safety net, not a measurement: a read never waits for the writer
		release()
		t.Fatal("screen 87 waited for the write transaction")
	}
	release()
	if a.err != nil || a.agg.Count != 1 || a.agg.Total != 120 || a.agg.Rows[0].Kind != platform.MoveUse {
		t.Fatalf("aggregate %+v %v", a.agg, a.err)
	}
	if n, err := w.srv.LapseExpiredVouchers(); err != nil || n != 1 {
		t.Fatalf("sweep lapsed %d, %v; want 1", n, err)
	}
	if au, err := w.srv.AuditLedger(); err != nil || !au.OK || au.Totals[platform.TotalLapsed] != 500 {
		t.Fatalf("audit %+v %v", au, err)
	}
}

// TestVoucherSweep_LapsesOnlyWhatExpired: the sweep lapses exactly the outstanding vouchers past their expiry (more
// than one sweep transaction's worth), leaves later ones and cleared ones alone, keeps the expiry index to the
// outstanding vouchers, and finds nothing the second time.
func TestVoucherSweep_LapsesOnlyWhatExpired(t *testing.T) {
	eachStore(t, testVoucherSweep_LapsesOnlyWhatExpired)
}

func testVoucherSweep_LapsesOnlyWhatExpired(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	now := w.clk.Now()
	next, err := platform.SeedOutstandingVouchers(w.srv, platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, 10000000, 300, 10, jstDay(now, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := platform.SeedOutstandingVouchers(w.srv, platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, next, 50, 10, jstDay(now, 10)); err != nil {
		t.Fatal(err)
	}
	issuer, shop := w.terminal("00053059"), w.terminal("00052589")
	v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 700, Expires: jstDay(now, 1)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := platform.BucketLen(w.srv, "pt_voucher_expiry"); n != 351 {
		t.Fatalf("expiry index holds %d, want 351 outstanding", n)
	}
	if _, err := shop.ClearVoucher(ctx, v.QR, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := w.srv.LapseExpiredVouchers(); err != nil || n != 0 {
		t.Fatalf("sweep before any expiry lapsed %d, %v", n, err)
	}
	w.clk.Add(3 * 24 * time.Hour)
	if n, err := w.srv.LapseExpiredVouchers(); err != nil || n != 300 {
		t.Fatalf("sweep lapsed %d, %v; want the 300 expired", n, err)
	}
	if n, _ := platform.BucketLen(w.srv, "pt_voucher_expiry"); n != 50 {
		t.Fatalf("expiry index holds %d after the sweep, want the 50 still valid", n)
	}
	if n, err := w.srv.LapseExpiredVouchers(); err != nil || n != 0 {
		t.Fatalf("second sweep lapsed %d, %v", n, err)
	}
	a, err := w.srv.AuditLedger()
	if err != nil || !a.OK || a.Totals[platform.TotalLapsed] != 3000 || a.Totals[platform.TotalOutstanding] != 500 || a.Totals[platform.TotalCleared] != 700 {
		t.Fatalf("audit %+v %v", a, err)
	}
}

// TestIdempotency_AnswersKeptLongerThanClientsRetryThenPruned: a retry with the same key is answered from the stored
// answer until IdempotencyKeep has passed (which is longer than the client's journal reuses a key), after which the
// record and its answer body are deleted, with its index entry.
func TestIdempotency_AnswersKeptLongerThanClientsRetryThenPruned(t *testing.T) {
	eachStore(t, testIdempotency_AnswersKeptLongerThanClientsRetryThenPruned)
}

func testIdempotency_AnswersKeptLongerThanClientsRetryThenPruned(t *testing.T) {
	if platform.IdempotencyKeep < 2*platformclient.JournalPendingTTL {
		t.Fatalf("IdempotencyKeep %v is not well past the client's key reuse (%v)", platform.IdempotencyKeep, platformclient.JournalPendingTTL)
	}
	w := newPointsWorld(t)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	shop := w.terminal("00052589")
	req := mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 10}
	key := platformclient.NewIdempotencyKey()
	var first, again mkpf.UseResult
	if err := testenv.RawCall(ctx, shop, http.MethodPost, "/v1/points/use", req, &first, key); err != nil {
		t.Fatal(err)
	}
	n0, _ := platform.BucketLen(w.srv, "idempotency")
	w.clk.Add(platform.IdempotencyKeep - time.Hour)
	if n, err := w.srv.PruneIdempotency(); err != nil || n != 0 {
		t.Fatalf("pruned %d, %v before the keep period ended", n, err)
	}
	if err := testenv.RawCall(ctx, shop, http.MethodPost, "/v1/points/use", req, &again, key); err != nil || again.TxnID != first.TxnID {
		t.Fatalf("retry within the keep period: %+v %v, want the stored answer %s", again, err, first.TxnID)
	}
	w.clk.Add(2 * time.Hour)
	if n, err := w.srv.PruneIdempotency(); err != nil || n < 1 {
		t.Fatalf("pruned %d, %v after the keep period", n, err)
	}
	recs, _ := platform.BucketLen(w.srv, "idempotency")
	idx, _ := platform.BucketLen(w.srv, "idempotency_by_time")
	if recs != n0-1 || idx != recs {
		t.Fatalf("%d records (%d before) and %d index entries after pruning", recs, n0, idx)
	}
	if b := balanceOf(t, shop, yamada, platform.DemoProgramMunicipal); b != 10000-10 {
		t.Fatalf("balance %d: the retry applied again", b)
	}
}

// TestMaintenance_TheServerSweepsByItself: with no call from outside, a running server lapses expired vouchers and
// prunes old idempotency records every MaintenanceEvery.
func TestMaintenance_TheServerSweepsByItself(t *testing.T) {
	eachStore(t, testMaintenance_TheServerSweepsByItself)
}

func testMaintenance_TheServerSweepsByItself(t *testing.T) {
	defer func(d time.Duration) { platform.MaintenanceEvery = d }(platform.MaintenanceEvery)
	platform.MaintenanceEvery = 20 * time.Millisecond
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	if _, err := shop.Use(ctx, mkpf.UseRequest{PatronRef: cardOf(t, "yamada"), ProgramID: platform.DemoProgramMunicipal, Points: 1}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.SeedOutstandingVouchers(w.srv, platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, 10000000, 20, 5, jstDay(w.clk.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(platform.IdempotencyKeep + 24*time.Hour)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		a, err := w.srv.AuditLedger()
		recs, _ := platform.BucketLen(w.srv, "idempotency")
		if err == nil && a.OK && a.Totals[platform.TotalLapsed] == 100 && recs == 0 {
			return
		}
		if time.Now().After(deadline) { // safety net only
			t.Fatalf("after a minute: audit %+v %v, %d idempotency records", a, err, recs)
		}
	}
}
