package kv_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// stores opens two handles on one fresh store of each kind: on PostgreSQL two pools (as two server processes
// would have); on bbolt the same handle twice (a bbolt file has one process).
var stores = []struct {
	name string
	open func(t *testing.T) (kv.DB, kv.DB)
}{
	{"bbolt", func(t *testing.T) (kv.DB, kv.DB) {
		db, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, db
	}},
	{"postgres", func(t *testing.T) (kv.DB, kv.DB) {
		url := testenv.PostgresURL(t)
		var dbs [2]kv.DB
		for i := range dbs {
			db, err := kv.OpenPostgres(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	}},
	// The lock-row writer lock (CockroachDB's and YugabyteDB's), tested on PostgreSQL.
	{"postgres-rowlock", func(t *testing.T) (kv.DB, kv.DB) {
		url := testenv.PostgresURL(t) + "&mkpf_writer_lock=row"
		if _, err := kv.Migrate(context.Background(), url); err != nil { // row mode: migrate once before the servers
			t.Fatal(err)
		}
		var dbs [2]kv.DB
		for i := range dbs {
			db, err := kv.OpenPostgres(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	}},
}

var errAbort = errors.New("abort")

func TestStoreSemantics(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			db, _ := st.open(t)
			b1 := []byte("b1")
			if err := db.View(func(tx kv.Tx) error {
				if tx.Bucket(b1) != nil {
					t.Error("absent bucket is not nil")
				}
				if tx.Writable() {
					t.Error("View is writable")
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// Keys whose byte order differs from any text collation: 0x00, 0xff, prefixes, multi-byte UTF-8.
			keys := [][]byte{{0}, {0, 0}, {0x01}, []byte("A"), []byte("a"), []byte("a/"), []byte("a/1"), []byte("a/10"),
				[]byte("a/2"), []byte("b"), []byte("川崎"), {0xff}, {0xff, 0}}
			for i := 0; i < 150; i++ { // more than a cursor page
				keys = append(keys, []byte(fmt.Sprintf("p/%04d", i)))
			}
			if err := db.Update(func(tx kv.Tx) error {
				if !tx.Writable() {
					t.Error("Update is not writable")
				}
				b, err := tx.CreateBucketIfNotExists(b1)
				if err != nil {
					return err
				}
				for i := len(keys) - 1; i >= 0; i-- {
					if err := b.Put(keys[i], append([]byte("v"), keys[i]...)); err != nil {
						return err
					}
				}
				if err := b.Put(nil, []byte("x")); !errors.Is(err, kv.ErrKeyRequired) {
					t.Errorf("empty key: %v", err)
				}
				if err := b.Put([]byte("empty"), []byte{}); err != nil {
					return err
				}
				if v := b.Get([]byte("a/1")); string(v) != "va/1" { // reads its own writes
					t.Errorf("Get in tx = %q", v)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, []byte("empty"))
			sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
			if err := db.View(func(tx kv.Tx) error {
				b := tx.Bucket(b1)
				if b == nil {
					t.Fatal("bucket missing")
				}
				if v := b.Get([]byte("empty")); v == nil || len(v) != 0 {
					t.Errorf("empty value = %#v, want non-nil empty", v)
				}
				if b.Get([]byte("nope")) != nil {
					t.Error("absent key not nil")
				}
				if n := b.Stats().KeyN; n != len(keys) {
					t.Errorf("KeyN = %d, want %d", n, len(keys))
				}
				var got [][]byte
				b.ForEach(func(k, v []byte) error {
					got = append(got, append([]byte(nil), k...))
					return nil
				})
				if !equalKeys(got, keys) {
					t.Errorf("ForEach order:\n%q\nwant\n%q", got, keys)
				}
				c := b.Cursor()
				got = got[:0]
				for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
					got = append([][]byte{append([]byte(nil), k...)}, got...)
				}
				if !equalKeys(got, keys) {
					t.Errorf("reverse order:\n%q\nwant\n%q", got, keys)
				}
				if k, v := c.Seek([]byte("a/")); string(k) != "a/" || string(v) != "va/" {
					t.Errorf("Seek a/ = %q %q", k, v)
				}
				if k, _ := c.Next(); string(k) != "a/1" {
					t.Errorf("Next = %q", k)
				}
				if k, _ := c.Prev(); string(k) != "a/" {
					t.Errorf("Prev = %q", k)
				}
				if k, _ := c.Seek([]byte("a/11")); string(k) != "a/2" {
					t.Errorf("Seek a/11 = %q", k)
				}
				if k, _ := c.Seek([]byte{0xff, 1}); k != nil {
					t.Errorf("Seek past the end = %q", k)
				}
				if k, _ := c.First(); !bytes.Equal(k, []byte{0}) {
					t.Errorf("First = %q", k)
				}
				if err := b.Put([]byte("x"), []byte("y")); !errors.Is(err, kv.ErrTxNotWritable) {
					t.Errorf("Put in View: %v", err)
				}
				if _, err := b.NextSequence(); !errors.Is(err, kv.ErrTxNotWritable) {
					t.Errorf("NextSequence in View: %v", err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// A failed Update leaves nothing behind, the sequence included.
			if err := db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(b1)
				if n, err := b.NextSequence(); err != nil || n != 1 {
					t.Errorf("NextSequence = %d, %v", n, err)
				}
				return b.Delete([]byte("a"))
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(b1)
				b.NextSequence()
				b.Put([]byte("a"), []byte("again"))
				b.Delete([]byte("b"))
				return errAbort
			}); !errors.Is(err, errAbort) {
				t.Fatalf("Update error = %v", err)
			}
			// Deleting while iterating (admin.go does) visits every key once.
			if err := db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(b1)
				c := b.Cursor()
				n := 0
				for k, _ := c.Seek([]byte("p/")); k != nil && bytes.HasPrefix(k, []byte("p/")); k, _ = c.Next() {
					if err := b.Delete(k); err != nil {
						return err
					}
					n++
				}
				if n != 150 {
					t.Errorf("deleted %d while iterating, want 150", n)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			db.View(func(tx kv.Tx) error {
				b := tx.Bucket(b1)
				if b.Get([]byte("a")) != nil || b.Get([]byte("b")) == nil {
					t.Error("a rolled-back Update left changes")
				}
				if s := b.Sequence(); s != 1 {
					t.Errorf("Sequence = %d, want 1 (the failed Update's increment rolled back)", s)
				}
				if n := b.Stats().KeyN; n != len(keys)-151 {
					t.Errorf("KeyN after deletes = %d, want %d", n, len(keys)-151)
				}
				return nil
			})
		})
	}
}

func equalKeys(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestStoreOneWriter: read-modify-write increments from two handles (two processes on PostgreSQL) and many
// goroutines lose none: writers run one at a time, as in bbolt.
func TestStoreOneWriter(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			a, b := st.open(t)
			bk := []byte("n")
			if err := a.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists(bk); return err }); err != nil {
				t.Fatal(err)
			}
			const workers, each = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				db := a
				if w%2 == 1 {
					db = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						if err := db.Update(func(tx kv.Tx) error {
							bu := tx.Bucket(bk)
							var n uint64
							if v := bu.Get([]byte("n")); len(v) == 8 {
								n = binary.BigEndian.Uint64(v)
							}
							if _, err := bu.NextSequence(); err != nil {
								return err
							}
							return bu.Put([]byte("n"), binary.BigEndian.AppendUint64(nil, n+1))
						}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			b.View(func(tx kv.Tx) error {
				bu := tx.Bucket(bk)
				if n := binary.BigEndian.Uint64(bu.Get([]byte("n"))); n != workers*each {
					t.Errorf("counter = %d, want %d", n, workers*each)
				}
				if s := bu.Sequence(); s != workers*each {
					t.Errorf("sequence = %d, want %d", s, workers*each)
				}
				return nil
			})
		})
	}
}

// TestStoreSnapshot: a read transaction keeps its snapshot while a writer commits, and does not hold the writer up.
func TestStoreSnapshot(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			a, b := st.open(t)
			bk := []byte("s")
			if err := a.Update(func(tx kv.Tx) error {
				bu, err := tx.CreateBucketIfNotExists(bk)
				if err != nil {
					return err
				}
				return bu.Put([]byte("k"), []byte("old"))
			}); err != nil {
				t.Fatal(err)
			}
			if err := a.View(func(tx kv.Tx) error {
				if v := tx.Bucket(bk).Get([]byte("k")); string(v) != "old" {
					t.Errorf("before: %q", v)
				}
				done := make(chan error, 1)
				go func() {
					done <- b.Update(func(tx kv.Tx) error { return tx.Bucket(bk).Put([]byte("k"), []byte("new")) })
				}()
				select {
				case err := <-done: // the writer finished while this read transaction is still open
					if err != nil {
						t.Error(err)
					}
				case <-time.After(time.Minute):
					t.Error("a writer waited for a reader")
				}
				if v := tx.Bucket(bk).Get([]byte("k")); string(v) != "old" {
					t.Errorf("the snapshot moved: %q", v)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			b.View(func(tx kv.Tx) error {
				if v := tx.Bucket(bk).Get([]byte("k")); string(v) != "new" {
					t.Errorf("after: %q", v)
				}
				return nil
			})
		})
	}
}

// TestPostgresMigrate: migrations apply once, a second run applies none, and a newer database is refused.
func TestPostgresMigrate(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	got, err := kv.Migrate(ctx, url)
	if err != nil || len(got) != kv.SchemaVersion() || got[len(got)-1] != kv.SchemaVersion() {
		t.Fatalf("first migrate: %v %v", got, err)
	}
	if got, err := kv.Migrate(ctx, url); err != nil || len(got) != 0 {
		t.Fatalf("second migrate: %v %v", got, err)
	}
	db, err := kv.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if v, err := kv.CurrentVersion(ctx, url); err != nil || v != kv.SchemaVersion() {
		t.Fatalf("current version %d %v", v, err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE mkpf_schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Migrate(ctx, url); err == nil || !strings.Contains(err.Error(), "newer than this program's") {
		t.Fatalf("a newer database: %v", err)
	}
	if _, err := kv.OpenPostgres(ctx, url); err == nil || !strings.Contains(err.Error(), "run the newer mkpf-server") {
		t.Fatalf("a newer database opened: %v", err)
	}
	if _, err := kv.OpenPostgres(ctx, "postgres://postgres@/nope?host=/nonexistent-dir"); err == nil {
		t.Fatal("a server that is not there: no error")
	}
	if _, err := kv.OpenPostgres(ctx, url+"&mkpf_writer_lock=table"); err == nil || !strings.Contains(err.Error(), "advisory or row") {
		t.Fatalf("an unknown lock mode: %v", err)
	}
}

// TestStoreExclusive: Exclusive sections of two handles (two processes on PostgreSQL) never overlap.
func TestStoreExclusive(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			a, b := st.open(t)
			var inside, overlaps, runs atomic.Int32
			var wg sync.WaitGroup
			for w := 0; w < 6; w++ {
				db := a
				if w%2 == 1 {
					db = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 5; i++ {
						if err := kv.Exclusive(db, "test", func() error {
							if inside.Add(1) != 1 {
								overlaps.Add(1)
							}
							// A transaction inside the section, as SeedDemo makes.
							err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("x")); return err })
							time.Sleep(2 * time.Millisecond)
							inside.Add(-1)
							runs.Add(1)
							return err
						}); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if overlaps.Load() != 0 || runs.Load() != 30 {
				t.Fatalf("%d overlapping sections in %d", overlaps.Load(), runs.Load())
			}
		})
	}
}
