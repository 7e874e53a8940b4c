package platform_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestTwoProcesses_PostgreSQLKilledMidRun_EveryAcknowledgedUseAppliedOnce: two mkpf-server processes on one
// PostgreSQL, 32 terminals spending 1 point at a time, half of them from one shared account (holding fewer points
// than they ask for in all, so the last uses are refused for 残高不足) and half from an account each, while
// PostgreSQL's postmaster is SIGKILLed and restarted. A terminal whose answer is lost (a 5xx, a transport error)
// presses 利用 again with the same request, which its journal sends with the same idempotency key, until the platform
// answers. Afterwards: the ledger audit holds, no balance is below zero, every acknowledged use is in the ledger once
// under the transaction ID its terminal saw, nothing else was applied, and each balance is its grant minus the
// acknowledged uses. The kill comes after a count of successes, and half the terminals wait for the kill before
// their second half of uses, so uses run after the restart whatever the machine's speed.
func TestTwoProcesses_PostgreSQLKilledMidRun_EveryAcknowledgedUseAppliedOnce(t *testing.T) {
	testenv.ChoosesItsStores(t, "a PostgreSQL cluster of its own")
	const (
		terminals   = 32
		shared      = terminals / 2 // terminals 0..15 spend from patron 0
		perTerminal = 12
		sharedGrant = shared * perTerminal / 2 // half of what the shared terminals ask for
		ownGrant    = 1000
		killAfter   = 60 // successes before the kill
	)
	cluster := testenv.PostgresCluster(t)
	db := cluster.NewDB(t)
	w := seedLoadWorld(t, db, terminals, 1+terminals-shared, func(i int) int64 {
		if i == 0 {
			return sharedGrant
		}
		return ownGrant
	})
	addrs := []string{freeAddr(t), freeAddr(t)}
	for _, a := range addrs {
		startServer(t, a, db)
	}
	clients := make([]*platformclient.Client, terminals)
	patronOf := func(i int) int {
		if i < shared {
			return 0
		}
		return 1 + i - shared
	}
	for i := range clients {
		clients[i] = enrollLoadTerminal(t, "http://"+addrs[i%2], w.Terminals[i], 10*time.Second)
	}

	var (
		mu        sync.Mutex
		seen      = map[string]int{} // txn ID → terminal index, as the terminals saw them succeed
		acked     = make([]int64, len(w.Patrons))
		refused   = 0
		unknown   = 0 // answers lost (then retried)
		afterKill = 0 // successes after the kill
		killed    bool
		enough    = make(chan struct{})
		killDone  = make(chan struct{})
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := mkpf.UseRequest{PatronRef: w.Patrons[patronOf(i)], ProgramID: platform.DemoProgramMunicipal, Points: 1}
			for k := 0; k < perTerminal; k++ {
				if i >= shared && k == perTerminal/2 {
					<-killDone // these terminals' second half runs after the restart
				}
				// The safety net only: the loop ends when the platform answers (a condition, not a duration).
				for deadline := time.Now().Add(5 * time.Minute); ; {
					res, err := clients[i].Use(ctx, req, "")
					mu.Lock()
					switch {
					case err == nil:
						if prev, dup := seen[res.TxnID]; dup {
							t.Errorf("terminal %d got transaction %s that terminal %d got before", i, res.TxnID, prev)
						}
						seen[res.TxnID] = i
						acked[patronOf(i)]++
						if killed {
							afterKill++
						}
						if len(seen) >= killAfter && !isClosed(enough) {
							close(enough)
						}
					case platformclient.Refused(err):
						checkRefusal(t, err) // only 残高不足, with its Japanese message
						if patronOf(i) != 0 {
							t.Errorf("terminal %d spending from its own account was refused: %v", i, err)
						}
						refused++
					default:
						unknown++
					}
					mu.Unlock()
					if err == nil || platformclient.Refused(err) {
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("terminal %d: no answer for 5 minutes: %v", i, err)
						return
					}
					time.Sleep(20 * time.Millisecond) // pressed again a moment later
				}
			}
		}(i)
	}
	select {
	case <-enough:
	case <-time.After(5 * time.Minute): // a safety net only
		t.Fatal("fewer than 60 point uses succeeded in 5 minutes")
	}
	cluster.Kill() // SIGKILL to the postmaster and its backends; returns once all are gone
	mu.Lock()
	killed = true
	before := len(seen)
	mu.Unlock()
	if err := cluster.Start(); err != nil { // crash recovery; both servers stay up and reconnect
		t.Fatal(err)
	}
	close(killDone)
	wg.Wait()
	if t.Failed() {
		return
	}

	s, err := platform.Open(db, platform.Options{}) // a third handle on the database, both servers still running
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.AuditLedger()
	if err != nil || !a.OK || a.Negative != 0 {
		t.Fatalf("ledger after PostgreSQL's SIGKILL: %+v %v", a, err)
	}
	// Every acknowledged use is in the ledger once, under the terminal that saw it, and nothing else is.
	day := time.Now().In(time.FixedZone("JST", 9*3600))
	rows := 0
	for i, id := range w.Terminals {
		agg, err := s.Aggregate(id, day.AddDate(0, 0, -1).Format("2006-01-02"), day.Format("2006-01-02"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range agg.Rows {
			if term, ok := seen[r.TxnID]; !ok || term != i || r.Points != 1 {
				t.Errorf("terminal %s: applied but never acknowledged to it: %+v", id, r)
			}
			rows++
		}
	}
	var sum int64
	for _, n := range acked {
		sum += n
	}
	if rows != len(seen) || a.Totals[platform.TotalUsed] != sum {
		t.Fatalf("%d uses in the ledger, %d acknowledged; used total %d, acknowledged points %d", rows, len(seen), a.Totals[platform.TotalUsed], sum)
	}
	// Each balance is its grant minus the acknowledged uses: applied exactly once, never below zero. The shared
	// account is spent to exactly zero (every refusal came when it was empty).
	for p, ref := range w.Patrons {
		grant, want := int64(ownGrant), int64(ownGrant-perTerminal)
		if p == 0 {
			grant, want = sharedGrant, 0
		}
		if acked[p] != grant-want {
			t.Errorf("patron %d: %d uses acknowledged, want %d", p, acked[p], grant-want)
		}
		if b := balanceOf(t, clients[0], ref, platform.DemoProgramMunicipal); b != grant-acked[p] || b < 0 {
			t.Errorf("patron %d: balance %d, want %d - %d acknowledged", p, b, grant, acked[p])
		}
	}
	if refused != shared*perTerminal-sharedGrant {
		t.Errorf("%d uses refused for 残高不足, want %d", refused, shared*perTerminal-sharedGrant)
	}
	if afterKill == 0 {
		t.Error("no use succeeded after PostgreSQL's restart")
	}
	t.Logf("%d uses acknowledged (%d before the kill, %d after), %d lost answers retried, %d refused; ledger OK",
		len(seen), before, afterKill, unknown, refused)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
