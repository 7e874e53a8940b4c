package platform

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// TestGroupCommit_EachRequestAllOrNothingAndOnce runs many concurrent requests through the committer, every third
// of which writes and then fails: the failing ones leave nothing, every other one is committed exactly once, and
// requests really shared commits.
func TestGroupCommit_EachRequestAllOrNothingAndOnce(t *testing.T) {
	db, err := kv.OpenBolt(filepath.Join(t.TempDir(), "c.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("b")); return err })
	c := &committer{db: db}
	boom := errors.New("refused")
	var wg sync.WaitGroup
	results := make([]error, 300)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = c.Do(func(tx kv.Tx) error {
				b := tx.Bucket([]byte("b"))
				if err := kv.PutInt(b, fmt.Sprint(i), kv.GetInt(b, fmt.Sprint(i))+1); err != nil {
					return err
				}
				if err := kv.PutInt(b, "sum", kv.GetInt(b, "sum")+1); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	db.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i, err := range results {
			want := int64(1)
			if i%3 == 0 {
				want = 0
				if !errors.Is(err, boom) {
					t.Errorf("request %d: %v, want refused", i, err)
				}
			} else if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			if got := kv.GetInt(b, fmt.Sprint(i)); got != want {
				t.Errorf("request %d applied %d times, want %d", i, got, want)
			}
		}
		if got := kv.GetInt(b, "sum"); got != 200 {
			t.Errorf("sum %d, want 200", got)
		}
		return nil
	})
	t.Logf("300 requests in %d commits", c.commits.Load())
	if c.commits.Load() >= 300+100 {
		t.Errorf("%d commits for 300 requests (100 refused): no grouping", c.commits.Load())
	}
}

// heldCommitter opens a committer over a fresh database and holds it with a blocking transaction, so that the
// requests the test then queues run as one batch when release is called.
func heldCommitter(t *testing.T) (c *committer, db kv.DB, waitQueued func(n int), release func()) {
	t.Helper()
	db, err := kv.OpenBolt(filepath.Join(t.TempDir(), "c.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	c = &committer{db: db}
	started, rel := make(chan struct{}), make(chan struct{})
	go c.Do(func(tx kv.Tx) error { close(started); <-rel; return nil })
	<-started
	waitQueued = func(n int) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
			c.mu.Lock()
			q := len(c.queue)
			c.mu.Unlock()
			if q >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d requests did not queue", n)
			}
		}
	}
	return c, db, waitQueued, func() { close(rel) }
}

// TestGroupCommit_SideEffectsRunOnceAfterTheCommit queues one batch in which a request in the middle refuses, so the
// batch is rolled back and run again: every request's side effect must still run exactly once, and only once its
// write is committed (the effect reads it back in a fresh read transaction). A refused request's effect (like a
// throttle's failure count) runs once too.
func TestGroupCommit_SideEffectsRunOnceAfterTheCommit(t *testing.T) {
	c, db, waitQueued, release := heldCommitter(t)
	boom := errors.New("refused")
	const n = 9
	var mu sync.Mutex
	effects := map[int]int{}
	var notCommitted []int
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			after := &afterCommit{}
			errs[i] = c.DoAfter(func(tx kv.Tx) error {
				if err := tx.Bucket([]byte("b")).Put([]byte(fmt.Sprint(i)), []byte("x")); err != nil {
					return err
				}
				after.Do(func() {
					mu.Lock()
					defer mu.Unlock()
					effects[i]++
					if i != 4 {
						db.View(func(tx kv.Tx) error {
							if tx.Bucket([]byte("b")).Get([]byte(fmt.Sprint(i))) == nil {
								notCommitted = append(notCommitted, i)
							}
							return nil
						})
					}
				})
				if i == 4 {
					return boom
				}
				return nil
			}, after)
		}(i)
		waitQueued(i + 1) // queue order = i: request 4 refuses in the middle of the batch
	}
	release()
	wg.Wait()
	for i := 0; i < n; i++ {
		if i == 4 && !errors.Is(errs[i], boom) || i != 4 && errs[i] != nil {
			t.Errorf("request %d: %v", i, errs[i])
		}
		if effects[i] != 1 {
			t.Errorf("request %d: side effect ran %d times, want once", i, effects[i])
		}
	}
	if len(notCommitted) > 0 {
		t.Errorf("side effects of %v ran before their write was committed", notCommitted)
	}
}

// TestGroupCommit_PanicFailsOnlyItsRequest: a request function that panics inside a batch gets an error, the other
// requests of the batch are committed once, and the committer (and the process) go on serving.
func TestGroupCommit_PanicFailsOnlyItsRequest(t *testing.T) {
	c, db, waitQueued, release := heldCommitter(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = c.Do(func(tx kv.Tx) error {
				b := tx.Bucket([]byte("b"))
				if err := kv.PutInt(b, fmt.Sprint(i), kv.GetInt(b, fmt.Sprint(i))+1); err != nil {
					return err
				}
				if i == 2 {
					var m map[string]int
					m["nil map"] = 1 // a programming error: panics
				}
				return nil
			})
		}(i)
		waitQueued(i + 1)
	}
	release()
	wg.Wait()
	if err := c.Do(func(tx kv.Tx) error { return kv.PutInt(tx.Bucket([]byte("b")), "after", 1) }); err != nil {
		t.Fatalf("committer after the panic: %v", err)
	}
	db.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := 0; i < n; i++ {
			want := int64(1)
			if i == 2 {
				want = 0
				if !errors.Is(errs[i], errFnPanic) {
					t.Errorf("panicking request answered %v", errs[i])
				}
			} else if errs[i] != nil {
				t.Errorf("request %d failed with its batch's panic: %v", i, errs[i])
			}
			if got := kv.GetInt(b, fmt.Sprint(i)); got != want {
				t.Errorf("request %d applied %d times, want %d", i, got, want)
			}
		}
		if kv.GetInt(b, "after") != 1 {
			t.Error("request after the panic not applied")
		}
		return nil
	})
}
