package kv_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// TestPrefetch: records read ahead (directly and by following a link) read as Get reads them, absent ones as absent;
// a write after the read-ahead is what a later Get sees, also once the write has been sent; and a one-read
// transaction (ReadOne) that reads twice is run again as a View with the same answer. On every store.
func TestPrefetch(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			db, _ := st.open(t)
			b, p := []byte("serials"), []byte("patrons")
			if err := db.Update(func(tx kv.Tx) error {
				for _, n := range [][]byte{b, p} {
					if _, err := tx.CreateBucketIfNotExists(n); err != nil {
						return err
					}
				}
				if err := tx.Bucket(b).Put([]byte("S1"), []byte("MY1")); err != nil {
					return err
				}
				return tx.Bucket(p).Put([]byte("MY1"), []byte("yamada"))
			}); err != nil {
				t.Fatal(err)
			}
			err := db.Update(func(tx kv.Tx) error {
				kv.PrefetchVia(tx, []kv.BucketKey{{Bucket: b, Key: "S1"}, {Bucket: b, Key: "S2"}},
					kv.Via{From: kv.BucketKey{Bucket: b, Key: "S1"}, Bucket: p})
				if got := string(tx.Bucket(b).Get([]byte("S1"))); got != "MY1" {
					return errors.New("S1 read ahead as " + got)
				}
				if tx.Bucket(b).Get([]byte("S2")) != nil {
					return errors.New("an absent record read ahead as present")
				}
				if got := string(tx.Bucket(p).Get([]byte("MY1"))); got != "yamada" {
					return errors.New("the linked record read ahead as " + got)
				}
				if err := tx.Bucket(p).Put([]byte("MY1"), []byte("suzuki")); err != nil {
					return err
				}
				kv.RowsOf(tx) // sends the buffered write on PostgreSQL
				if got := string(tx.Bucket(p).Get([]byte("MY1"))); got != "suzuki" {
					return errors.New("after a write the record reads as " + got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var reads int
			var got string
			if err := kv.ReadOne(context.Background(), db, func(tx kv.Tx) error {
				reads++
				id := tx.Bucket(b).Get([]byte("S1"))
				got = string(tx.Bucket(p).Get(id))
				return nil
			}); err != nil || got != "suzuki" {
				t.Fatalf("ReadOne of two records: %q %v (%d runs)", got, err, reads)
			}
		})
	}
}

// TestPrefetchRow: a read-ahead with a statement of the caller's sent in the same round trip gives the statement's
// row and reads ahead the records, present and absent, as Prefetch does; a write buffered before it is sent first
// (the statement sees it); on bbolt it reports false and does nothing.
func TestPrefetchRow(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			db, _ := st.open(t)
			b := []byte("terminals")
			if err := db.Update(func(tx kv.Tx) error {
				bu, err := tx.CreateBucketIfNotExists(b)
				if err != nil {
					return err
				}
				return bu.Put([]byte("T1"), []byte("one"))
			}); err != nil {
				t.Fatal(err)
			}
			err := db.Update(func(tx kv.Tx) error {
				if err := tx.Bucket(b).Put([]byte("T3"), []byte("three")); err != nil {
					return err
				}
				var n int
				ok, err := kv.PrefetchRow(tx, []kv.BucketKey{{Bucket: b, Key: "T1"}, {Bucket: b, Key: "T2"}},
					func(row pgx.Row) error { return row.Scan(&n) }, `SELECT count(*) FROM kv WHERE bucket = $1`, string(b))
				if err != nil {
					return err
				}
				if ok != (st.name != "bbolt") {
					return fmt.Errorf("PrefetchRow on %s reported %v", st.name, ok)
				}
				if ok && n != 2 {
					return fmt.Errorf("the statement counted %d pairs, want 2 (the buffered write sent first)", n)
				}
				if got := string(tx.Bucket(b).Get([]byte("T1"))); got != "one" {
					return errors.New("T1 read ahead as " + got)
				}
				if tx.Bucket(b).Get([]byte("T2")) != nil {
					return errors.New("an absent record read ahead as present")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
