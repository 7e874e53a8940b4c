package kv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// OpenBolt opens (creating if needed) the bbolt file at path. When another process holds the file it waits up to
// timeout and returns an error wrapping ErrLocked. Outside Windows the file is mapped with room to grow
// (initialMmapSize), so that writers do not wait for long reads to remap.
//
// The free-page list is kept in memory as a hash map and not written with every commit (NoFreelistSync): a commit
// writes only the pages it changed and the meta page, and fsyncs as before, so a committed transaction survives a
// crash exactly as it did; after an unclean stop, opening the file rebuilds the list by walking the pages.
func OpenBolt(path string, timeout time.Duration) (DB, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout, InitialMmapSize: initialMmapSize,
		NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
		}
		return nil, err
	}
	return &boltDB{db: db}, nil
}

// Bolt wraps an open bbolt database.
func Bolt(db *bbolt.DB) DB { return &boltDB{db: db} }

// BoltOf is the bbolt database under db, for bbolt-only tools (consistency check, hot backup); nil for another kind.
func BoltOf(db DB) *bbolt.DB {
	if b, ok := db.(*boltDB); ok {
		return b.db
	}
	return nil
}

// BoltBackup writes a consistent, compacted copy of a bbolt store to w while it serves: the live records are copied
// (one read transaction: writers are not blocked) into a new file beside the store (0600, removed after), which is
// then written to w. Freed pages of the store, which may still hold overwritten values (a secret before it was
// sealed), are not in the copy. It returns the bytes written.
func BoltBackup(db DB, w io.Writer) (int64, error) {
	b := BoltOf(db)
	if b == nil {
		return 0, errors.New("kv: hot backup is for bbolt files; back PostgreSQL up with pg_dump")
	}
	tmp, err := os.CreateTemp(filepath.Dir(b.Path()), ".backup-*.db")
	if err != nil {
		return 0, err
	}
	name := tmp.Name()
	defer func() { _ = os.Remove(name) }()
	if err := tmp.Close(); err != nil { // only its name is wanted: compactInto writes the file anew
		return 0, err
	}
	if err := compactInto(b, name); err != nil {
		return 0, err
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	return io.Copy(w, f)
}

// compactInto copies src's live records into a new bbolt file at path (replacing any file there), synced to disk.
func compactInto(src *bbolt.DB, path string) error {
	_ = os.Remove(path) // a file left by an earlier attempt, if any
	dst, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	if err := bbolt.Compact(dst, src, 64<<20); err != nil {
		_ = dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		_ = dst.Close()
		return err
	}
	return dst.Close()
}

// CompactBoltFile rewrites the closed bbolt file at path with its live records only (a new file, fsync, rename over
// the old one, fsync of the directory), so the pages it had freed, and what they held, are gone from the disk's file.
func CompactBoltFile(path string) error {
	src, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		return err
	}
	tmp := path + ".compact"
	err = compactInto(src, tmp)
	_ = src.Close() // read-only
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync() // the rename is durable
}

type boltDB struct{ db *bbolt.DB }

func (d *boltDB) Update(fn func(Tx) error) error {
	return d.db.Update(func(tx *bbolt.Tx) error { return fn(boltTx{tx}) })
}

func (d *boltDB) View(fn func(Tx) error) error {
	return d.db.View(func(tx *bbolt.Tx) error { return fn(boltTx{tx}) })
}

func (d *boltDB) UpdateContext(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.db.Update(func(tx *bbolt.Tx) error {
		if err := fn(boltTx{tx}); err != nil {
			return err
		}
		return ctx.Err() // the client is gone: nothing is committed for it
	})
}

func (d *boltDB) UpdateRows(ctx context.Context, fn func(Tx) error) error {
	return d.UpdateContext(ctx, fn)
}

func (d *boltDB) ViewContext(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.View(fn)
}

func (d *boltDB) Batch(fn func(Tx) error) error {
	return d.db.Batch(func(tx *bbolt.Tx) error { return fn(boltTx{tx}) })
}

func (d *boltDB) Close() error { return d.db.Close() }
func (d *boltDB) Kind() string { return "bbolt" }

type boltTx struct{ tx *bbolt.Tx }

func (t boltTx) Bucket(name []byte) Bucket {
	b := t.tx.Bucket(name)
	if b == nil {
		return nil
	}
	return boltBucket{b}
}

func (t boltTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	b, err := t.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (t boltTx) Writable() bool { return t.tx.Writable() }

type boltBucket struct{ *bbolt.Bucket }

func (b boltBucket) Cursor() Cursor { return b.Bucket.Cursor() }

func (b boltBucket) Stats() BucketStats { return BucketStats{KeyN: b.Bucket.Stats().KeyN} }

func (b boltBucket) Put(key, value []byte) error {
	err := b.Bucket.Put(key, value)
	switch {
	case errors.Is(err, bbolt.ErrTxNotWritable):
		return ErrTxNotWritable
	case errors.Is(err, bbolt.ErrKeyRequired):
		return ErrKeyRequired
	}
	return err
}

func (b boltBucket) Delete(key []byte) error {
	if err := b.Bucket.Delete(key); errors.Is(err, bbolt.ErrTxNotWritable) {
		return ErrTxNotWritable
	} else {
		return err
	}
}

func (b boltBucket) NextSequence() (uint64, error) {
	n, err := b.Bucket.NextSequence()
	if errors.Is(err, bbolt.ErrTxNotWritable) {
		return 0, ErrTxNotWritable
	}
	return n, err
}
