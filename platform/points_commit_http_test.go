package platform_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestScreen31_35_BatchRollbackCountsCountersAndThrottleOnce sends point uses (screen 31) and clearings of unknown
// voucher numbers (screen 35) through real HTTP so that they land in one group commit in which refused requests
// force rollbacks and re-runs. The aggregate counter of uses must equal the uses applied, and each unknown number must
// count once against the voucher-lookup throttle (VoucherLookupLimit): the terminal may still make exactly the
// remaining failed lookups before it is throttled.
//
// bbolt only: on PostgreSQL there is no group committer to roll back (each request is a transaction of its own,
// without the writer lock, and PostgreSQL shares commits between sessions itself: points_commit.go).
func TestScreen31_35_BatchRollbackCountsCountersAndThrottleOnce(t *testing.T) {
	testenv.BboltOnly(t, "the group committer's rollbacks; PostgreSQL has none")
	testScreen31_35_BatchRollbackCountsCountersAndThrottleOnce(t)
}

func testScreen31_35_BatchRollbackCountsCountersAndThrottleOnce(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	shop := w.terminal("00052589")
	yamada := cardOf(t, "yamada")
	if _, err := shop.Balances(ctx, yamada); err != nil { // token and certificate cache warm
		t.Fatal(err)
	}
	waitQueued, release := platform.HoldCommits(w.srv)
	released := false
	defer func() {
		if !released {
			release()
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := map[string]error{}
	send := func(name, path string, in any) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out map[string]any
			err := testenv.RawCall(ctx, shop, http.MethodPost, path, in, &out, platformclient.NewIdempotencyKey())
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		}()
	}
	queued := 0
	use := func(name string, points int64) {
		send(name, "/v1/points/use", mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: points})
		queued++
		if err := waitQueued(queued); err != nil {
			t.Fatal(err)
		}
	}
	const unknown = 6
	use("use1", 1)
	use("use2", 2)
	use("overdraft", 999999999) // refused in the middle of the batch: the batch rolls back and runs again
	use("use3", 3)
	for i := 0; i < unknown; i++ {
		send(fmt.Sprint("unknown", i), "/v1/points/vouchers/clear", mkpf.VoucherCodeRequest{Code: fmt.Sprintf("%08d", 20000000+i)})
		queued++
		if err := waitQueued(queued); err != nil {
			t.Fatal(err)
		}
		use(fmt.Sprint("use", 4+i), 1)
	}
	released = true
	release()
	wg.Wait()
	applied := 0
	for name, err := range errs {
		switch {
		case name == "overdraft":
			wantCodeOf(t, name, err, mkpf.CodeInsufficientPoints)
		case len(name) > 7 && name[:7] == "unknown":
			wantCodeOf(t, name, err, mkpf.CodeVoucherUnknown)
		case err != nil:
			t.Errorf("%s: %v", name, err)
		default:
			applied++
		}
	}
	rows, err := w.srv.Counters()
	if err != nil {
		t.Fatal(err)
	}
	var counted uint64
	for _, r := range rows {
		if r.TerminalID == "00052589" && r.Name == "points.use.ok" {
			counted += r.N
		}
	}
	if counted != uint64(applied) {
		t.Errorf("points.use.ok counted %d for %d applied point uses", counted, applied)
	}
	// The throttle saw exactly `unknown` failures: the rest of the allowance is still there, then it refuses.
	for i := unknown; i < platform.VoucherLookupLimit; i++ {
		_, err := shop.ShowVoucher(ctx, fmt.Sprintf("%08d", 30000000+i))
		wantCodeOf(t, fmt.Sprint("lookup ", i+1), err, mkpf.CodeVoucherUnknown)
	}
	_, err = shop.ShowVoucher(ctx, "30009999")
	wantCodeOf(t, "lookup past the limit", err, mkpf.CodeThrottled)
	if a, err := w.srv.AuditLedger(); err != nil || !a.OK {
		t.Fatalf("ledger %+v %v", a, err)
	}
}

func wantCodeOf(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := platformclient.Code(err); got != code {
		t.Errorf("%s: %v (code %q), want %s", what, err, got, code)
	}
}
