package platform

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// TestGroupCommit_EachRequestAllOrNothingAndOnce runs many concurrent requests through the committer, every third
// of which writes and then fails: the failing ones leave nothing, every other one is committed exactly once, and
// requests really shared commits.
func TestGroupCommit_EachRequestAllOrNothingAndOnce(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })
	c := &committer{db: db}
	boom := errors.New("refused")
	var wg sync.WaitGroup
	results := make([]error, 300)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = c.Do(func(tx *bbolt.Tx) error {
				b := tx.Bucket([]byte("b"))
				if err := putInt(b, fmt.Sprint(i), getInt(b, fmt.Sprint(i))+1); err != nil {
					return err
				}
				if err := putInt(b, "sum", getInt(b, "sum")+1); err != nil {
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
	db.View(func(tx *bbolt.Tx) error {
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
			if got := getInt(b, fmt.Sprint(i)); got != want {
				t.Errorf("request %d applied %d times, want %d", i, got, want)
			}
		}
		if got := getInt(b, "sum"); got != 200 {
			t.Errorf("sum %d, want 200", got)
		}
		return nil
	})
	t.Logf("300 requests in %d commits", c.commits.Load())
	if c.commits.Load() >= 300+100 {
		t.Errorf("%d commits for 300 requests (100 refused): no grouping", c.commits.Load())
	}
}
