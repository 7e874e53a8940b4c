package platform_test

import (
	"context"
	"errors"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// testClock is a clock the tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func profile(t testing.TB, name string) *demopki.Profile {
	t.Helper()
	p, err := demopki.Get(name)
	if err != nil {
		t.Fatalf("demopki %s: %v", name, err)
	}
	return p
}

// codeOf is the platform error code of err ("" for nil, "client:<err>" for a client-side failure).
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var ae *mkpf.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return "client:" + err.Error()
}

func apiErr(t testing.TB, err error) *mkpf.APIError {
	t.Helper()
	var ae *mkpf.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want a platform error, got %v", err)
	}
	if ae.Message == "" {
		t.Fatalf("platform error %s without a Japanese message", ae.Code)
	}
	return ae
}

func fieldsOf(ae *mkpf.APIError) map[string]string {
	m := map[string]string{}
	for _, f := range ae.Fields {
		m[f.Field] = f.Message
	}
	return m
}

// runConc runs op b.N times from par goroutines and reports the rate as the metric unit (e.g. "tx/s"); the first
// error fails the benchmark.
// serverGC runs the rest of b (the platform and its baseline alike) at the garbage-collector target mkpf-server
// serves with (platform.TuneServerGC), unless $GOGC is set.
func serverGC(b *testing.B) {
	if os.Getenv("GOGC") != "" {
		return
	}
	old := debug.SetGCPercent(platform.ServerGCPercent)
	b.Cleanup(func() { debug.SetGCPercent(old) })
}

func runConc(b *testing.B, par int, unit string, op func() error) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < par; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := op(); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), unit)
}

var _ = platformclient.Message
