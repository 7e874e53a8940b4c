package platform_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// mkpfServer builds cmd/mkpf-server once per test binary: its demo build, as the tests serve with --demo.
var (
	serverOnce sync.Once
	serverBin  string
	serverErr  error
)

func mkpfServer(t testing.TB) string {
	serverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mkpf-server-bin")
		if err != nil {
			serverErr = err
			return
		}
		if serverErr = testenv.RemoveAtExit(dir); serverErr != nil { // shared by this binary's tests: removed at its end
			os.RemoveAll(dir)
			return
		}
		serverBin = filepath.Join(dir, "mkpf-server")
		out, err := exec.Command("go", "build", "-tags", "demo", "-o", serverBin, "github.com/mykeyterm/mykeyterm/cmd/mkpf-server").CombinedOutput()
		if err != nil {
			serverErr = fmt.Errorf("go build mkpf-server: %v\n%s", err, out)
		}
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverBin
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer runs mkpf-server serve --demo on addr and db and waits until it answers.
func startServer(t testing.TB, addr, db string) *exec.Cmd {
	cmd := exec.Command(mkpfServer(t), "serve", "--addr", addr, "--store", db, "--demo")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(2 * time.Minute) // a safety net: the loop ends when the server answers
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/v1/health"); err == nil {
			res.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("mkpf-server did not start on %s", addr)
	return nil
}

// enrollAt enrolls demo roster terminals at the platform on url, each from a fresh data directory, with a short
// deadline and no automatic retry (the tests decide what a lost answer means).
func enrollAt(t *testing.T, url string, ids ...string) []*platformclient.Client {
	t.Helper()
	var clients []*platformclient.Client
	for _, id := range ids {
		dt, _ := platform.DemoTerminalByID(id)
		c, err := platformclient.Open(t.TempDir(), platformclient.Options{Timeout: 3 * time.Second, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := c.Enroll(ctx(t), url, dt.ID, dt.Password); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	return clients
}

// TestCrashSafety_SIGKILLDuringPointUseLosesNothingAndAppliesNothingTwice kills the server process (on bbolt and on
// PostgreSQL), or PostgreSQL itself, while terminals are using points, restarts what was killed on the same data,
// and checks: the ledger invariant holds, every use a terminal saw succeed is in the ledger, and retrying the
// operations whose answers were lost (through the journal) applies each exactly once. The kill comes after a count
// of successes, not after a time, and each terminal goroutine makes a bounded number of uses that the balance
// covers, so the test does not depend on the machine's speed.
func TestCrashSafety_SIGKILLDuringPointUseLosesNothingAndAppliesNothingTwice(t *testing.T) {
	testenv.ChoosesItsStores(t, "a case per store: bbolt, PostgreSQL, PostgreSQL killed")
	for _, tc := range []struct {
		name, kind string
		killDB     bool // kill PostgreSQL instead of the server process
	}{
		{"bbolt/server", "bbolt", false},
		{"postgres/server", "postgres", false},
		{"postgres/postgresql", "postgres", true},
	} {
		t.Run(tc.name, func(t *testing.T) { crashDuringPointUse(t, tc.kind, tc.killDB) })
	}
}

func crashDuringPointUse(t *testing.T, kind string, killDB bool) {
	const (
		goroutines = 8
		perG       = 40 // at most 8×40 uses of at most 5 points: 1,600 of yamada's 10,000
		killAfter  = 20 // successes before the kill
	)
	addr := freeAddr(t)
	var (
		db      string
		cluster *testenv.PGCluster
	)
	switch {
	case killDB:
		cluster = testenv.PostgresCluster(t)
		db = cluster.NewDB(t)
	case kind == "postgres":
		db = testenv.PostgresURL(t)
	default:
		db = filepath.Join(t.TempDir(), "platform.db")
	}
	srv := startServer(t, addr, db)
	ctx := context.Background()
	url := "http://" + addr
	clients := enrollAt(t, url, "00052589", "00052490")
	cards := []mkpf.PatronRef{cardOf(t, "yamada"), cardOf(t, "suzuki")}

	type op struct {
		c   *platformclient.Client
		req mkpf.UseRequest
	}
	var (
		mu        sync.Mutex
		seen      = map[string]int64{} // txn ID → points, as the terminals saw them succeed
		pending   []op                 // operations whose answer was lost
		refusals  int
		enough    = make(chan struct{})
		enoughSet bool
	)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perG; i++ {
				o := op{c: clients[g%2], req: mkpf.UseRequest{PatronRef: cards[g%2], ProgramID: platform.DemoProgramMunicipal,
					Points: int64(1 + (g*7+i)%5)}}
				res, err := o.c.Use(ctx, o.req, "")
				mu.Lock()
				if err == nil {
					seen[res.TxnID] = res.Points
					if len(seen) >= killAfter && !enoughSet {
						enoughSet = true
						close(enough)
					}
				} else if platformclient.Refused(err) {
					// A definitive refusal: nothing was applied. It must say why, in Japanese.
					checkRefusal(t, err)
					refusals++
				} else {
					// The outcome is unknown (the server or its database is gone, a timeout, a 5xx): the operation
					// waits for the restart, as the journal keeps it pending by the same rule.
					pending = append(pending, o)
					mu.Unlock()
					return
				}
				mu.Unlock()
			}
		}(g)
	}
	select {
	case <-enough:
	case <-time.After(5 * time.Minute): // a safety net only
		t.Fatal("fewer than 20 point uses succeeded in 5 minutes")
	}
	if killDB {
		cluster.Kill()
	} else {
		if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.Wait()
	}
	wg.Wait()

	if killDB {
		if err := cluster.Start(); err != nil { // crash recovery; the server process stays up and reconnects
			t.Fatal(err)
		}
	} else {
		srv = startServer(t, addr, db)
	}
	// The clerk presses 利用 again for every operation whose answer was lost: the journal reuses its key.
	retried := 0
	for _, o := range pending {
		res, err := o.c.Use(ctx, o.req, "")
		// Pressed again a moment later while the server or its database is still recovering: until it answers
		// (a condition; the deadline is a safety net only, not a timing assumption).
		for deadline := time.Now().Add(2 * time.Minute); err != nil && !platformclient.Refused(err) &&
			time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond)
			res, err = o.c.Use(ctx, o.req, "")
		}
		if err != nil && platformclient.Refused(err) {
			checkRefusal(t, err) // refused on retry: then it was not applied before either (checked below)
			continue
		}
		if err != nil {
			t.Fatalf("retry after restart: %v", err)
		}
		seen[res.TxnID] = res.Points
		retried++
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()

	s, err := platform.Open(db, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AuditLedger()
	if err != nil || !a.OK {
		t.Fatalf("ledger after SIGKILL: %+v %v", a, err)
	}
	var sum int64
	for _, p := range seen {
		sum += p
	}
	// Every use the terminals saw succeed is there, and nothing else: used == the sum of the distinct successes.
	day := time.Now().In(time.FixedZone("JST", 9*3600))
	found := 0
	for _, id := range []string{"00052589", "00052490"} {
		agg, err := s.Aggregate(id, day.AddDate(0, 0, -1).Format("2006-01-02"), day.Format("2006-01-02"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range agg.Rows {
			if p, ok := seen[r.TxnID]; ok && p == r.Points {
				found++
			} else {
				t.Errorf("applied but never seen by a terminal: %+v", r)
			}
		}
	}
	if found != len(seen) || a.Totals[platform.TotalUsed] != sum {
		t.Fatalf("%d of %d seen uses in the ledger; used %d, seen sum %d", found, len(seen), a.Totals[platform.TotalUsed], sum)
	}
	t.Logf("%d uses before and after the kill (%d retried through the journal, %d refused), used %d points, ledger OK",
		len(seen), retried, refusals, sum)
}

// checkRefusal checks that a definitive refusal of a point use is one a clerk can act on: a known code with a
// Japanese message (suzuki holds no 自治体ポイント: not enough points).
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var ae *mkpf.APIError
	if !errors.As(err, &ae) || ae.Message == "" {
		t.Errorf("a refusal without a platform error and message: %v", err)
		return
	}
	switch ae.Code {
	case mkpf.CodeInsufficientPoints:
	default:
		t.Errorf("point use refused with %s (%s): only 残高不足 is expected here", ae.Code, ae.Message)
	}
}
