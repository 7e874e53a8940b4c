package kv_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// TestStoreContext: a transaction bound to a context that has ended neither runs nor commits, on every store; one
// whose context ends while fn runs is rolled back (the client hung up before the answer); a live context commits.
func TestStoreContext(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			db, _ := st.open(t)
			put := func(ctx context.Context, key string, during func()) error {
				return db.UpdateContext(ctx, func(tx kv.Tx) error {
					b, err := tx.CreateBucketIfNotExists([]byte("ctx"))
					if err != nil {
						return err
					}
					if err := b.Put([]byte(key), []byte("v")); err != nil {
						return err
					}
					during()
					return nil
				})
			}
			has := func(key string) bool {
				var ok bool
				if err := db.ViewContext(context.Background(), func(tx kv.Tx) error {
					if b := tx.Bucket([]byte("ctx")); b != nil {
						ok = b.Get([]byte(key)) != nil
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return ok
			}
			if err := put(context.Background(), "live", func() {}); err != nil || !has("live") {
				t.Fatalf("a live context: %v, stored %v", err, has("live"))
			}
			ended, cancel := context.WithCancel(context.Background())
			cancel()
			ran := false
			if err := put(ended, "ended", func() { ran = true }); !errors.Is(err, context.Canceled) || ran || has("ended") {
				t.Fatalf("an ended context: %v, fn ran %v, stored %v", err, ran, has("ended"))
			}
			if err := db.ViewContext(ended, func(kv.Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
				t.Fatalf("a view on an ended context: %v, fn ran %v", err, ran)
			}
			midway, cancel := context.WithCancel(context.Background())
			if err := put(midway, "midway", cancel); err == nil || has("midway") {
				t.Fatalf("a context ended while fn ran: %v, stored %v", err, has("midway"))
			}
		})
	}
}
