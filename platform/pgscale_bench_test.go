package platform_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// The PostgreSQL part of `make bench` (scripts/bench-pgscale.sh runs these with -benchtime 1x): each benchmark measures
// for PGSECS seconds a run (default 10) and prints one line of key=value figures per comparison, the platform and its
// baseline measured in the same run on the same PostgreSQL cluster, with their ratio and the goal of issue 16:
//
//	pg-pointuse    durable point uses/s through real HTTP and real mkpf-server processes vs pgbench's same debit
//	pg-lookup      lookups/s vs a bare net/http handler running one indexed SELECT per request on the same database
//	pg-scaleout    one vs two mkpf-server processes and pgbench, with toxiproxy adding latency each way in between
//
// No timed assertion: the goals are printed, not checked.

// pgSecs is the length of one measured run.
func pgSecs() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("PGSECS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 10 * time.Second
}

// loadRun is one measured run: successes per second and the median latency a till waited.
type loadRun struct {
	PerSec, P50ms float64
}

// measure runs op(k) in a loop from clients goroutines (k = 0..clients-1) for d, after one untimed call each (the
// terminals' first call authenticates), and returns the rate of successes. Any error fails the benchmark.
func measure(b *testing.B, clients int, d time.Duration, op func(k int) error) loadRun {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- op(k) }()
	}
	wg.Wait()
	for k := 0; k < clients; k++ {
		if err := <-errs; err != nil {
			b.Fatalf("warm-up: %v", err)
		}
	}
	lat := make([][]time.Duration, clients)
	start := time.Now()
	end := start.Add(d)
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				if err := op(k); err != nil {
					errs <- err
					return
				}
				lat[k] = append(lat[k], time.Since(t0))
			}
			errs <- nil
		}()
	}
	wg.Wait()
	el := time.Since(start)
	for k := 0; k < clients; k++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		b.Fatal("no call finished")
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return loadRun{PerSec: float64(len(all)) / el.Seconds(), P50ms: float64(all[len(all)/2].Microseconds()) / 1000}
}

// pgbenchDebit is the point use as SQL: the balance update with the no-overdraft check, the ledger insert and the
// idempotency-key insert in one transaction, as scripts/bench-points.sh's pgbench baseline. aid picks the account.
const pgbenchDebit = `BEGIN;
UPDATE balances SET points = points - 1 WHERE id = :aid AND points >= 1;
INSERT INTO moves (account, delta, terminal) VALUES (:aid, -1, '00052589');
INSERT INTO idem (key, body) VALUES ('00052589/' || md5(random()::text || clock_timestamp()::text), '{"points":1}');
COMMIT;
`

// pgbenchDB creates the pgbench tables in a fresh database of cluster (accounts 0..32) and writes the debit scripts:
// "distinct" (client n debits account n+1) and "same" (every client debits account 0).
func pgbenchDB(b *testing.B, cluster *testenv.PGCluster) (dbName string, scripts map[string]string) {
	u := cluster.NewDB(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`CREATE TABLE balances (id int PRIMARY KEY, points bigint NOT NULL CHECK (points >= 0))`,
		`INSERT INTO balances SELECT g, 1000000000 FROM generate_series(0, 32) g`,
		`CREATE TABLE moves (seq bigserial PRIMARY KEY, account int NOT NULL, delta bigint NOT NULL, terminal text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
		`CREATE TABLE idem (key text PRIMARY KEY, body text NOT NULL)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	os.Chmod(dir, 0o755)
	scripts = map[string]string{}
	for name, set := range map[string]string{"distinct": `\set aid :client_id + 1`, "same": `\set aid 0`} {
		p := filepath.Join(dir, name+".sql")
		if err := os.WriteFile(p, []byte(set+"\n"+pgbenchDebit), 0o644); err != nil {
			b.Fatal(err)
		}
		scripts[name] = p
	}
	pu, _ := url.Parse(u)
	return strings.TrimPrefix(pu.Path, "/"), scripts
}

var pgbenchTPS = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)

// pgbench runs script with clients clients for d against db at host:port and returns its transactions per second.
func pgbench(b *testing.B, cluster *testenv.PGCluster, host string, port int, db, script string, clients int, d time.Duration) float64 {
	b.Helper()
	out, err := exec.Command(cluster.Bin("pgbench"), "-n", "-h", host, "-p", strconv.Itoa(port), "-U", "postgres",
		"-f", script, "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)), "-T", strconv.Itoa(int(d.Seconds())), db).CombinedOutput()
	m := pgbenchTPS.FindSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("pgbench: %v\n%s", err, out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps
}

// latencyProxy runs bench/latencyproxy (toxiproxy, its own module) in front of upstream; set changes its latency.
type latencyProxy struct {
	Addr string
	in   io.WriteCloser
	out  *bufio.Scanner
}

func startLatencyProxy(b *testing.B, upstream string, each time.Duration) *latencyProxy {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "latencyproxy")
	if out, err := exec.Command("go", "build", "-C", "../bench/latencyproxy", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build bench/latencyproxy: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-upstream", upstream, "-latency", each.String())
	in, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	p := &latencyProxy{in: in, out: bufio.NewScanner(stdout)}
	if !p.out.Scan() || !strings.HasPrefix(p.out.Text(), "listen ") {
		b.Fatalf("latencyproxy: %q", p.out.Text())
	}
	p.Addr = strings.TrimPrefix(p.out.Text(), "listen ")
	return p
}

func (p *latencyProxy) set(b *testing.B, each time.Duration) {
	fmt.Fprintf(p.in, "latency %s\n", each)
	if !p.out.Scan() || p.out.Text() != "ok" {
		b.Fatalf("latencyproxy: %q", p.out.Text())
	}
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// BenchmarkPostgresPointUse measures durable point uses per second through real HTTP, each terminal an enrolled
// client with its points session spending 1 point per request through a raw call with a fresh idempotency key (the
// server's durable transaction, not the terminal's journal), served by real mkpf-server processes on one PostgreSQL
// cluster (fsync and synchronous_commit on), against pgbench running the same debit on the same cluster:
//
//   - pg-pointuse: one process on PostgreSQL's socket at 1, 8 and 32 clients, each client from an account of its
//     own (pgbench: client n debits account n+1); goal ≥ 0.8 of pgbench at 8 and 32. Then 8 and 32 clients all
//     spending from one account (pgbench: all debit one row), reported: the hot-row case.
//   - pg-scaleout: toxiproxy (bench/latencyproxy) adding 5 ms each way between the servers and PostgreSQL, so that
//     the network and not this machine's cores is the limit: 16 clients through one process, 16 through each of two
//     (32), and pgbench with 32 clients through the same proxy; from distinct accounts, and again all from one
//     account. Goals (distinct accounts): two processes ≥ 1.7× one, and ≥ 0.7× pgbench. Then 1 ms each way with 32
//     clients on one process and on two (reported, no goal).
//
// The servers' pools hold 32 connections (pool_max_conns=32 in the URL) so that 32 clients on one process are not
// limited by the default 16.
func BenchmarkPostgresPointUse(b *testing.B) {
	const terms = 32
	d := pgSecs()
	cluster := testenv.PostgresClusterTCP(b)
	db := cluster.NewDB(b)
	pu, _ := url.Parse(db)
	dbName := strings.TrimPrefix(pu.Path, "/")
	// Terminals 0..31 for the direct server, 32..63 through proxy server A, 64..95 through B; patron 0 is the shared
	// account, patron 1+k the own account of a run's client k.
	w := seedLoadWorld(b, db, 3*terms, 1+terms, func(int) int64 { return 1 << 40 })
	pgbDB, scripts := pgbenchDB(b, cluster)
	proxy := startLatencyProxy(b, cluster.TCPAddr(), 0) // enrollment without the latency; set below
	direct := db + "&pool_max_conns=32"
	viaProxy := fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable&pool_max_conns=32", proxy.Addr, dbName)
	addrD, addrA, addrB := freeAddr(b), freeAddr(b), freeAddr(b)
	startServer(b, addrD, direct)
	startServer(b, addrA, viaProxy)
	startServer(b, addrB, viaProxy)
	enroll := func(addr string, from int) []*platformclient.Client {
		cs := make([]*platformclient.Client, terms)
		for i := range cs {
			cs[i] = enrollLoadTerminal(b, "http://"+addr, w.Terminals[from+i], time.Minute)
		}
		return cs
	}
	onD, onA, onB := enroll(addrD, 0), enroll(addrA, terms), enroll(addrB, 2*terms)
	ctx := context.Background()
	spend := func(clients []*platformclient.Client, accounts string) loadRun {
		return measure(b, len(clients), d, func(k int) error {
			p := 1 + k
			if accounts == "same" {
				p = 0
			}
			req := mkpf.UseRequest{PatronRef: w.Patrons[p], ProgramID: platform.DemoProgramMunicipal, Points: 1}
			var res mkpf.UseResult
			return testenv.RawCall(ctx, clients[k], http.MethodPost, "/v1/points/use", req, &res, platformclient.NewIdempotencyKey())
		})
	}

	for _, run := range []struct {
		n        int
		accounts string
	}{{1, "distinct"}, {8, "distinct"}, {32, "distinct"}, {8, "same"}, {32, "same"}} {
		r := spend(onD[:run.n], run.accounts)
		g := pgbench(b, cluster, cluster.SockDir, cluster.Port, pgbDB, scripts[run.accounts], run.n, d)
		goal := "0.8"
		if run.n == 1 || run.accounts == "same" {
			goal = "none"
		}
		fmt.Printf("pg-pointuse clients=%d accounts=%s procs=1 uses_per_s=%.1f p50_ms=%.2f pgbench_tps=%.1f ratio=%.3f goal=%s\n",
			run.n, run.accounts, r.PerSec, r.P50ms, g, ratio(r.PerSec, g), goal)
	}

	proxyHost, proxyPortS, _ := strings.Cut(proxy.Addr, ":")
	proxyPort, _ := strconv.Atoi(proxyPortS)
	two := func(perProc int) []*platformclient.Client {
		return append(append([]*platformclient.Client{}, onA[:perProc]...), onB[:perProc]...)
	}
	for _, sc := range []struct {
		each     time.Duration
		accounts string
		perProc1 int // clients on the one process
		goals    bool
	}{
		{5 * time.Millisecond, "distinct", 16, true},
		{5 * time.Millisecond, "same", 16, false},
		{1 * time.Millisecond, "distinct", 32, false},
	} {
		proxy.set(b, sc.each)
		one := spend(onA[:sc.perProc1], sc.accounts)
		both := spend(two(16), sc.accounts)
		g := pgbench(b, cluster, proxyHost, proxyPort, pgbDB, scripts[sc.accounts], 32, d)
		goals := "goal_two_vs_one=none goal_two_vs_pgbench=none"
		if sc.goals {
			goals = "goal_two_vs_one=1.7 goal_two_vs_pgbench=0.7"
		}
		fmt.Printf("pg-scaleout latency=%s accounts=%s one_proc_clients=%d one_proc_uses_per_s=%.1f one_proc_p50_ms=%.1f "+
			"two_procs_clients=32 two_procs_uses_per_s=%.1f two_procs_p50_ms=%.1f pgbench_clients=32 pgbench_tps=%.1f "+
			"ratio_two_vs_one=%.3f ratio_two_vs_pgbench=%.3f %s\n",
			sc.each, sc.accounts, sc.perProc1, one.PerSec, one.P50ms, both.PerSec, both.P50ms, g,
			ratio(both.PerSec, one.PerSec), ratio(both.PerSec, g), goals)
	}

	s, err := platform.Open(db, platform.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if a, err := s.AuditLedger(); err != nil || !a.OK {
		b.Fatalf("ledger after the benchmark: %+v %v", a, err)
	}
}

// BenchmarkPostgresLookup measures service-ID lookups per second through the platform on PostgreSQL (real HTTP on
// loopback, the JPKI certificate check included, as BenchmarkLookup's platform_postgres) against a bare net/http
// handler on the same database that decodes the same request, runs one indexed SELECT (a primary-key lookup of the
// certificate's serial and issuer in a table of 10,000 rows, through a pgx pool) and answers the same JSON: the floor
// of any lookup served from this database. pg-lookup lines at 1 and 8 clients; goal ≥ 0.8 at 8.
func BenchmarkPostgresLookup(b *testing.B) {
	serverGC(b)
	d := pgSecs() / 2
	testenv.UseStore(b, "postgres")
	env := testenv.Platform(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, env.DBPath)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	yamada := profile(b, "yamada")
	for _, q := range []string{
		`CREATE TABLE bench_service_ids (serial text NOT NULL, issuer_id text NOT NULL, issuer_name text NOT NULL,
			card_number text NOT NULL, valid boolean NOT NULL, PRIMARY KEY (serial, issuer_id))`,
		`INSERT INTO bench_service_ids SELECT 'S' || g, '000001', '川崎市立図書館', lpad(g::text, 12, '0'), true
			FROM generate_series(1, 10000) g`,
		`INSERT INTO bench_service_ids VALUES ('` + yamada.Serial + `', '000001', '川崎市立図書館', '` + platform.DemoYamadaLibCard + `', true)`,
		`ANALYZE bench_service_ids`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req mkpf.LookupRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.AuthCert) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		res := mkpf.LookupResult{Handoff: platform.DemoLibraryHandoff}
		if err := pool.QueryRow(r.Context(), `SELECT issuer_id, issuer_name, card_number, valid FROM bench_service_ids
			WHERE serial = $1 AND issuer_id = $2`, yamada.Serial, "000001").Scan(&res.IssuerID, &res.IssuerName,
			&res.CardNumber, &res.CardValid); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		res.CardStatus = "valid"
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(res)
	}))
	defer bare.Close()
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	c := env.Enrolled(b, "00052489")
	for _, n := range []int{1, 8} {
		p := measure(b, n, d, func(int) error {
			r, err := c.Lookup(ctx, yamada.AuthCertDER)
			if err == nil && r.CardNumber != platform.DemoYamadaLibCard {
				err = fmt.Errorf("card %s", r.CardNumber)
			}
			return err
		})
		q := measure(b, n, d, func(int) error {
			body, _ := json.Marshal(mkpf.LookupRequest{AuthCert: yamada.AuthCertDER})
			resp, err := hc.Post(bare.URL+"/v1/lookup", "application/json", strings.NewReader(string(body)))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var res mkpf.LookupResult
			if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
				return err
			}
			if res.CardNumber != platform.DemoYamadaLibCard {
				return fmt.Errorf("bare: card %q (status %d)", res.CardNumber, resp.StatusCode)
			}
			return nil
		})
		goal := "0.8"
		if n == 1 {
			goal = "none"
		}
		fmt.Printf("pg-lookup clients=%d lookups_per_s=%.1f p50_ms=%.2f bare_sql_per_s=%.1f bare_sql_p50_ms=%.2f ratio=%.3f goal=%s\n",
			n, p.PerSec, p.P50ms, q.PerSec, q.P50ms, ratio(p.PerSec, q.PerSec), goal)
	}
}
