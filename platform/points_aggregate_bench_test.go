package platform_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// BenchmarkPointUseDuringAggregation measures what screen 87 at closing time does to payments: the p99 latency of
// durable point uses through HTTP (one terminal, one at a time) while 4 clients aggregate in a loop, against the p99
// of the same point uses with nobody aggregating, over a store holding AGG_VOUCHERS outstanding vouchers (default
// 1,000,000, expiries spread over 30 days). The aggregating shop has 200 transactions today. The two phases alternate
// AGG_ROUNDS times (default 20) with AGG_USES uses each (default 250); each phase's p99 is taken over all its rounds'
// uses together (5,000 latencies). The disk's flush times drift by tens of percent over seconds on this kind of
// machine; short alternating rounds spread that drift over both phases alike (with five rounds of 1,000 the same code
// gave ratios from 0.89 to 1.43). The metric is the two p99s' ratio (scripts/bench-points.sh prints it).
// Run with -benchtime 1x: the phases have a fixed size, not b.N.
func BenchmarkPointUseDuringAggregation(b *testing.B) {
	serverGC(b)
	for _, kind := range testenv.StoreKinds {
		b.Run("store="+kind, func(b *testing.B) { benchUseDuringAggregation(b, kind) })
	}
}

func benchUseDuringAggregation(b *testing.B, kind string) {
	vouchers := 1000000
	if v, err := strconv.Atoi(os.Getenv("AGG_VOUCHERS")); err == nil && v >= 0 {
		vouchers = v
	}
	uses, rounds := 250, 20
	if v, err := strconv.Atoi(os.Getenv("AGG_USES")); err == nil && v > 0 {
		uses = v
	}
	if v, err := strconv.Atoi(os.Getenv("AGG_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	store := filepath.Join(b.TempDir(), "platform.db")
	if kind == "postgres" {
		store = testenv.PostgresURL(b)
	}
	srv, err := platform.Open(store, platform.Options{Argon2Memory: 1024, Argon2Time: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := srv.SeedDemo(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := seedVouchers(srv, vouchers); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d vouchers seeded in %v", kind, vouchers, time.Since(start).Round(time.Second))
	if err := srv.GrantPoints(platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, 1<<40, "bench"); err != nil {
		b.Fatal(err)
	}
	hs := httpServer(b, srv)
	ctx := context.Background()
	payer := benchClient(b, hs, "00052589", "15ad3z09a")
	shopDir := b.TempDir()
	shop, err := testenv.OpenClient(shopDir, platformclient.Options{Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := shop.Enroll(ctx, hs, "00052490", "0t10d630"); err != nil {
		b.Fatal(err)
	}
	if _, err := shop.Login(ctx, "00052490", "0t10d630"); err != nil {
		b.Fatal(err)
	}
	yamada := cardOf(b, "yamada")
	use := func(c *platformclient.Client) error {
		var res mkpf.UseResult
		return testenv.RawCall(ctx, c, http.MethodPost, "/v1/points/use", mkpf.UseRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 1},
			&res, platformclient.NewIdempotencyKey())
	}
	for i := 0; i < 200; i++ { // the aggregating shop's day
		if err := use(shop); err != nil {
			b.Fatal(err)
		}
	}
	shop.Close() // the aggregating shop is another process from here on, like a real terminal
	pct99 := func(lat []time.Duration) time.Duration {
		s := append([]time.Duration(nil), lat...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)*99/100]
	}
	var idleAll, loadedAll []time.Duration      // every use's latency of each phase, all rounds
	phase := func(all *[]time.Duration) error { // uses point uses, their latencies added to *all
		for i := 0; i < uses; i++ {
			t0 := time.Now()
			if err := use(payer); err != nil {
				return err
			}
			*all = append(*all, time.Since(t0))
		}
		return nil
	}
	if err := phase(new([]time.Duration)); err != nil { // warm-up (token, certificate cache, pages)
		b.Fatal(err)
	}
	var aggs atomic.Int64
	var aggTime time.Duration
	b.ResetTimer()
	for round := 0; round < rounds; round++ {
		if err := phase(&idleAll); err != nil {
			b.Fatal(err)
		}
		agg, err := startAggregators(shopDir, 4, "00052490", "0t10d630")
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		err = phase(&loadedAll)
		aggTime += time.Since(t0)
		n, aerr := agg.stop()
		if err != nil {
			b.Fatal(err)
		}
		if aerr != nil {
			b.Fatal(aerr)
		}
		aggs.Add(n)
	}
	b.StopTimer()
	mi, ml := pct99(idleAll), pct99(loadedAll)
	b.Logf("%s: idle p99 %v, during aggregation %v over %d uses each in %d alternating rounds", kind, mi, ml, len(idleAll), rounds)
	b.ReportMetric(float64(mi.Microseconds())/1000, "idle-p99-ms")
	b.ReportMetric(float64(ml.Microseconds())/1000, "agg-p99-ms")
	b.ReportMetric(float64(ml)/float64(mi), "p99-ratio")
	b.ReportMetric(float64(aggs.Load())/aggTime.Seconds(), "aggregations/s")
	b.ReportMetric(float64(vouchers), "vouchers")
	if a, err := srv.AuditLedger(); err != nil || !a.OK {
		b.Fatalf("ledger %+v %v", a, err)
	}
}

// seedVouchers fills the store with n outstanding vouchers, expiries spread over the next 30 days.
func seedVouchers(srv *platform.Server, n int) error {
	now := time.Now()
	next := 10000000
	const per = 50000
	for done := 0; done < n; done += per {
		m := min(per, n-done)
		var err error
		next, err = platform.SeedOutstandingVouchers(srv, platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, next, m, 1,
			jstDay(now, 1+(done/per)%30))
		if err != nil {
			return err
		}
	}
	return nil
}

func httpServer(b *testing.B, srv *platform.Server) string {
	hs := newHTTPServer(srv)
	b.Cleanup(hs.Close)
	return hs.URL
}

func benchClient(b *testing.B, url, id, pw string) *platformclient.Client {
	c, err := testenv.OpenClient(b.TempDir(), platformclient.Options{Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if _, err := c.Enroll(context.Background(), url, id, pw); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Login(context.Background(), id, pw); err != nil { // screen 2: the points calls need its session
		b.Fatal(err)
	}
	return c
}

func newHTTPServer(srv *platform.Server) *httptest.Server { return httptest.NewServer(srv.Handler()) }

// The aggregating terminals run in a child process (this test binary again, told so by aggregatorEnv), as real shops
// would: their HTTP clients and JSON decoding do not share the server process's Go scheduler.
const aggregatorEnv = "MKPF_BENCH_AGGREGATOR"

func init() {
	spec := os.Getenv(aggregatorEnv)
	if spec == "" {
		return
	}
	parts := strings.SplitN(spec, "|", 4)
	if len(parts) != 4 {
		fmt.Fprintln(os.Stderr, aggregatorEnv+": want dir|n|login ID|password")
		os.Exit(2)
	}
	n, _ := strconv.Atoi(parts[1])
	os.Exit(runAggregators(parts[0], n, parts[2], parts[3]))
}

// runAggregators aggregates today's transactions from n goroutines in a loop until SIGTERM, then prints how many
// aggregations it made. The points session lives in the process that logged in (screen 2), so this process logs in
// first, like a terminal started anew.
func runAggregators(dir string, n int, loginID, password string) int {
	c, err := testenv.OpenClient(dir, platformclient.Options{Timeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	if _, err := c.Login(context.Background(), loginID, password); err != nil {
		fmt.Fprintln(os.Stderr, "screen 2 login:", err)
		return 1
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	today := time.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
	var count atomic.Int64
	fail := make(chan error, n)
	for g := 0; g < n; g++ {
		go func() {
			for {
				agg, err := c.Aggregate(context.Background(), today, today)
				if err == nil && agg.Count < 200 {
					err = fmt.Errorf("aggregate of %d rows, want ≥ 200", agg.Count)
				}
				if err != nil {
					fail <- err
					return
				}
				count.Add(1)
			}
		}()
	}
	fmt.Println("ready")
	select {
	case <-term:
		fmt.Println(count.Load())
		return 0
	case err := <-fail:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
}

type aggregators struct {
	cmd *exec.Cmd
	out *bufio.Scanner
}

func startAggregators(dir string, n int, loginID, password string) (*aggregators, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%s|%s", aggregatorEnv, dir, n, loginID, password))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	a := &aggregators{cmd: cmd, out: bufio.NewScanner(stdout)}
	if !a.out.Scan() || a.out.Text() != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("aggregator process did not start: %q", a.out.Text())
	}
	return a, nil
}

// stop ends the aggregators and returns how many aggregations they made.
func (a *aggregators) stop() (int64, error) {
	a.cmd.Process.Signal(syscall.SIGTERM)
	var n int64
	if a.out.Scan() {
		n, _ = strconv.ParseInt(a.out.Text(), 10, 64)
	}
	if err := a.cmd.Wait(); err != nil {
		return n, fmt.Errorf("aggregator process: %v", err)
	}
	return n, nil
}
