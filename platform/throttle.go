package platform

import (
	"sync"
	"time"
)

// Throttle counts failures per key (a terminal ID, a source address, a voucher-lookup terminal) in a fixed window:
// after Limit failures the key is refused until the window that started with its first failure has passed.
// A success does not reset the count (so interleaving good and bad guesses does not help an attacker) unless Reset is
// called. It is safe for concurrent use and keeps memory bounded by dropping expired entries.
type Throttle struct {
	Limit  int
	Window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*throttleEntry
	sweep   time.Time
}

type throttleEntry struct {
	start time.Time
	fails int
}

// NewThrottle makes a throttle; now may be nil (time.Now).
func NewThrottle(limit int, window time.Duration, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{Limit: limit, Window: window, now: now, entries: map[string]*throttleEntry{}}
}

// Allow reports whether key may try now, and if not, how long until it may.
func (t *Throttle) Allow(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	e := t.entries[key]
	if e == nil {
		return true, 0
	}
	if now.Sub(e.start) >= t.Window {
		delete(t.entries, key)
		return true, 0
	}
	if e.fails >= t.Limit {
		return false, t.Window - now.Sub(e.start)
	}
	return true, 0
}

// Fail records one failure of key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if now.Sub(t.sweep) > t.Window {
		for k, e := range t.entries {
			if now.Sub(e.start) >= t.Window {
				delete(t.entries, k)
			}
		}
		t.sweep = now
	}
	e := t.entries[key]
	if e == nil || now.Sub(e.start) >= t.Window {
		e = &throttleEntry{start: now}
		t.entries[key] = e
	}
	e.fails++
}

// Reset forgets key's failures (e.g. after an admin reset).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.entries, key)
	t.mu.Unlock()
}
