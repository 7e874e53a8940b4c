package platform_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// switchProxy is a loopback reverse proxy in front of one terminal, whose backend the test switches between server
// processes: a load balancer as the test steers it.
type switchProxy struct {
	target atomic.Pointer[url.URL]
	URL    string
}

// usesServed counts the point-use requests each server process (by host:port) was sent.
var usesServed sync.Map // host → *atomic.Int64

func newSwitchProxy(t *testing.T, backend string) *switchProxy {
	p := &switchProxy{}
	p.to(t, backend)
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		u := p.target.Load()
		r.SetURL(u)
		r.Out.Host = r.In.Host
		if r.In.URL.Path == "/v1/points/use" {
			n, _ := usesServed.LoadOrStore(u.Host, new(atomic.Int64))
			n.(*atomic.Int64).Add(1)
		}
	}}
	hs := httptest.NewServer(rp)
	t.Cleanup(hs.Close)
	p.URL = hs.URL
	return p
}

func (p *switchProxy) to(t *testing.T, backend string) {
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	p.target.Store(u)
}

// TestTwoProcesses_OnePostgreSQL runs two mkpf-server processes on one PostgreSQL database: a terminal enrolled
// through one is served by the other, point uses spread over both keep the ledger invariant, and a voucher issued on
// one is cleared exactly once when two shops on the two processes clear it at the same time (on PostgreSQL's row,
// without the writer lock), and the winner's retry with its key through the other process gets the stored answer. (Bearer tokens and
// device-key challenges are still kept in each process's memory: a terminal that moves to the other process gets a
// 401 and signs a fresh challenge there, which platformclient does by itself.)
func TestTwoProcesses_OnePostgreSQL(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only: two server processes on one database")
	db := testenv.PostgresURL(t)
	addrA, addrB := freeAddr(t), freeAddr(t)
	startServer(t, addrA, db) // seeds the demo world
	startServer(t, addrB, db) // finds it seeded
	A, B := "http://"+addrA, "http://"+addrB
	ctx := context.Background()
	yamada := cardOf(t, "yamada")

	// Enrolled through A, served by B.
	pIssuer := newSwitchProxy(t, A)
	issuer := enrollAt(t, pIssuer.URL, "00053059")[0]
	pIssuer.to(t, B)
	if b := balanceOf(t, issuer, yamada, platform.DemoProgramMunicipal); b != 10000 {
		t.Fatalf("balance through B of a terminal enrolled through A: %d, want 10000", b)
	}

	// Point uses spread over both, the two shops swapping processes half-way.
	p1, p2 := newSwitchProxy(t, A), newSwitchProxy(t, B)
	shop1 := enrollAt(t, p1.URL, "00052589")[0]
	shop2 := enrollAt(t, p2.URL, "00052490")[0]
	var (
		mu   sync.Mutex
		seen = map[string]int64{}
	)
	usePhase := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			c := shop1
			if g%2 == 1 {
				c = shop2
			}
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 15; i++ {
					// Points differ between the goroutines of one terminal: an identical request while one is pending
					// would be taken by the terminal's journal as its retry.
					res, err := c.Use(ctx, mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
						Points: int64(1 + g/2 + 4*(i%2))}, "")
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					seen[res.TxnID] = res.Points
					mu.Unlock()
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("point use: %v (%s)", err, platformclient.Message(err))
		}
	}
	usePhase()
	p1.to(t, B)
	p2.to(t, A)
	usePhase()
	var sum int64
	for _, p := range seen {
		sum += p
	}
	if len(seen) != 2*8*15 {
		t.Fatalf("%d distinct transactions, want %d", len(seen), 2*8*15)
	}
	for _, addr := range []string{addrA, addrB} {
		n, _ := usesServed.Load(addr)
		if n == nil || n.(*atomic.Int64).Load() < 2*15*4 {
			t.Fatalf("the server on %s was sent %v point uses, want at least %d", addr, n, 2*15*4)
		}
	}
	for _, c := range []*platformclient.Client{shop1, shop2} { // one through A, one through B
		if b := balanceOf(t, c, yamada, platform.DemoProgramMunicipal); b != 10000-sum {
			t.Fatalf("balance %d, want 10000-%d", b, sum)
		}
	}

	// A voucher issued on one process is cleared once across both: the two shops, one on each process, clear each
	// voucher at the same moment.
	p1.to(t, A)
	p2.to(t, B)
	jst := time.FixedZone("JST", 9*3600)
	var cleared int64
	for n := 0; n < 6; n++ {
		if n%2 == 0 {
			pIssuer.to(t, A)
		} else {
			pIssuer.to(t, B)
		}
		v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
			Points: 100, Expires: time.Now().In(jst).AddDate(0, 0, 10).Format("2006-01-02")}, "")
		if err != nil {
			t.Fatalf("issue: %v", err)
		}
		var wins, dups atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		keys := []string{platformclient.NewIdempotencyKey(), platformclient.NewIdempotencyKey()}
		won := make([]*mkpf.Voucher, 2)
		for i, c := range []*platformclient.Client{shop1, shop2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got, err := c.ClearVoucher(ctx, v.QR, keys[i])
				var ae *mkpf.APIError
				switch {
				case err == nil:
					won[i] = got
					wins.Add(1)
				case errors.As(err, &ae) && ae.Code == mkpf.CodeVoucherCleared && ae.Message != "":
					dups.Add(1)
				default:
					t.Errorf("clear: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || dups.Load() != 1 {
			t.Fatalf("voucher %s: %d clearings succeeded and %d were refused as 消込済み, want 1 and 1", v.Number, wins.Load(), dups.Load())
		}
		// The winner's retry with its key through the other process: the stored answer.
		for i, p := range []*switchProxy{p1, p2} {
			if won[i] == nil {
				continue
			}
			other := []string{B, A}[i]
			p.to(t, other)
			again, err := []*platformclient.Client{shop1, shop2}[i].ClearVoucher(ctx, v.QR, keys[i])
			p.to(t, []string{A, B}[i])
			if err != nil || again.ClearedBy != won[i].ClearedBy || !again.ClearedAt.Equal(*won[i].ClearedAt) {
				t.Fatalf("voucher %s: the winning clearing replayed through %s: %+v %v, want %+v", v.Number, other, again, err, won[i])
			}
		}
		cleared += v.Points
	}

	// The ledger, read through a third handle on the database while both servers run.
	s, err := platform.Open(db, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AuditLedger()
	if err != nil || !a.OK {
		t.Fatalf("ledger: %+v %v", a, err)
	}
	if a.Totals[platform.TotalUsed] != sum || a.Totals[platform.TotalCleared] != cleared {
		t.Fatalf("totals %v: want used %d, voucher_cleared %d", a.Totals, sum, cleared)
	}
	t.Logf("%d point uses (%d points) over two processes, %d vouchers cleared once each, ledger OK", len(seen), sum, 6)
}

// TestTwoProcesses_SeedDemoTogetherSeedsOnce: two servers starting together with --demo on one empty PostgreSQL
// database seed the demo world once: the same counts and ledger totals as a world seeded once on bbolt.
func TestTwoProcesses_SeedDemoTogetherSeedsOnce(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only: two server processes on one database")
	db := testenv.PostgresURL(t)
	open := func(path string) *platform.Server {
		s, err := platform.Open(path, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(db), open(db)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*platform.Server{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.SeedDemo() }()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("seeding together: %v / %v", errs[0], errs[1])
	}
	ref := open(testenv.Store(t)) // bbolt
	if err := ref.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*platform.Server{a, b} {
		st, err := s.Stats()
		want, _ := ref.Stats()
		if err != nil || st != want {
			t.Fatalf("stats %+v %v, want %+v", st, err, want)
		}
		au, err := s.AuditLedger()
		wau, _ := ref.AuditLedger()
		if err != nil || !au.OK || fmt.Sprint(au.Totals) != fmt.Sprint(wau.Totals) {
			t.Fatalf("ledger %+v %v, want the totals %v", au, err, wau.Totals)
		}
	}
}

// TestTwoProcesses_VoucherGuessingCountsAcrossProcesses: screen 35's guessing throttle counts a terminal's failed
// voucher lookups in the store, so guesses spread over two server processes are refused after VoucherLookupLimit in
// all, not that many on each.
func TestTwoProcesses_VoucherGuessingCountsAcrossProcesses(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only: two server processes on one database")
	db := testenv.PostgresURL(t)
	addrA, addrB := freeAddr(t), freeAddr(t)
	startServer(t, addrA, db)
	startServer(t, addrB, db)
	A, B := "http://"+addrA, "http://"+addrB
	p := newSwitchProxy(t, A)
	shop := enrollAt(t, p.URL, "00052589")[0]
	ctx := context.Background()
	for i := 0; i < platform.VoucherLookupLimit; i++ {
		if i%2 == 0 {
			p.to(t, A)
		} else {
			p.to(t, B)
		}
		if _, err := shop.ShowVoucher(ctx, fmt.Sprintf("%08d", 10000000+i)); platformclient.Code(err) != mkpf.CodeVoucherUnknown {
			t.Fatalf("guess %d: %v, want %s", i+1, err, mkpf.CodeVoucherUnknown)
		}
	}
	for _, backend := range []string{A, B} {
		p.to(t, backend)
		if _, err := shop.ShowVoucher(ctx, "19999999"); platformclient.Code(err) != mkpf.CodeThrottled {
			t.Fatalf("guess %d through %s: %v, want %s (the failures of both processes count together)",
				platform.VoucherLookupLimit+1, backend, err, mkpf.CodeThrottled)
		}
	}
}
