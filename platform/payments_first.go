package platform

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Payments first. Screen 87 is a report read at closing time; point use, balances, voucher issue and clearing and
// merge are a patron waiting at a till. A server counts the till requests it is serving; an aggregation that got its
// slot (aggregationSlot) then waits for a moment with none in flight, at most aggregationYield, before it reads and
// answers. So shops aggregating together take CPU only from the gaps between payments (or after a short wait when
// payments never pause), and the payments' latency stays what it is without them; an aggregation answers at most
// aggregationYield later than it would have. While tills are busy (a till request in flight or ended within
// aggregationYield), each slot also stays taken for aggregationPace after its answer is sent, so a server answers at
// most aggregationSlots/aggregationPace aggregations a second then (10 a second on 2 cores: a town's closing-time
// reports in a minute or two), and the terminals' aggregation loops cannot crowd the payments out of the CPU.

const (
	// aggregationYield bounds how long an aggregation waits for the tills to pause.
	aggregationYield = 250 * time.Millisecond
	// aggregationPace is how long an aggregation slot rests after an answer while tills are busy.
	aggregationPace = 100 * time.Millisecond
)

// tillGate counts the till requests in flight and tells waiters when there are none.
type tillGate struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0; nil while n is 0
	last time.Time     // when the last till request ended
}

func (g *tillGate) enter() {
	g.mu.Lock()
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
	g.mu.Unlock()
}

func (g *tillGate) leave() {
	g.mu.Lock()
	g.n--
	g.last = time.Now()
	if g.n == 0 {
		close(g.idle)
		g.idle = nil
	}
	g.mu.Unlock()
}

// waitIdle returns when no till request is in flight, after max, or when ctx ends, whichever is first.
func (g *tillGate) waitIdle(ctx context.Context, max time.Duration) {
	g.mu.Lock()
	ch := g.idle
	g.mu.Unlock()
	if ch == nil {
		return
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}

// busy tells whether a till request is in flight or ended within d.
func (g *tillGate) busy(d time.Duration) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n > 0 || time.Since(g.last) < d
}

// tillRequest counts h's requests as till work for the duration of each.
func (s *Server) tillRequest(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &s.pts().till
		g.enter()
		defer g.leave()
		h.ServeHTTP(w, r)
	})
}
