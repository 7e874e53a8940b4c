package platform

import (
	"context"
	"testing"
	"time"
)

// TestScreen87_TillGate: an aggregation waiting for the tills goes on when the last till request in flight ends, or
// when its request is given up; with no till request in flight it does not wait; busy says whether tills are at work.
func TestScreen87_TillGate(t *testing.T) {
	var g tillGate
	g.waitIdle(context.Background(), time.Hour) // none in flight: returns at once (a hang fails the test by its timeout)
	if g.busy(0) {
		t.Fatal("busy before any till request")
	}
	g.enter()
	g.enter()
	if !g.busy(0) {
		t.Fatal("not busy with two till requests in flight")
	}
	done := make(chan struct{})
	go func() { g.waitIdle(context.Background(), time.Hour); close(done) }()
	g.leave()
	select {
	case <-done:
		t.Fatal("the aggregation went on while a till request was still in flight")
	default:
	}
	g.leave()
	select {
	case <-done:
	case <-time.After(time.Minute): // a safety net, not a measurement
		t.Fatal("the aggregation did not go on when the tills went idle")
	}
	if !g.busy(time.Hour) || g.busy(0) {
		t.Fatal("busy should tell a till request that ended within the window from none")
	}

	g.enter()
	ctx, cancel := context.WithCancel(context.Background())
	given := make(chan struct{})
	go func() { g.waitIdle(ctx, time.Hour); close(given) }()
	cancel()
	select {
	case <-given:
	case <-time.After(time.Minute):
		t.Fatal("a given-up aggregation kept waiting")
	}
	g.leave()
}
