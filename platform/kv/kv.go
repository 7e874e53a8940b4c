// Package kv is the platform's store: the subset of bbolt's API that the platform uses, as interfaces, with two
// implementations behind them. bbolt (OpenBolt) is the embedded default for the demo, the tests and a single town;
// PostgreSQL (OpenPostgres) lets any number of server processes share one database.
//
// Both implementations keep bbolt's semantics: buckets of byte keys in byte order (memcmp), one writer at a time
// (across processes too on PostgreSQL), read transactions that see one consistent snapshot and never block writers,
// and a per-bucket sequence that rolls back with its transaction. Bucket names and record formats are the
// platform's, unchanged: a bbolt file and a PostgreSQL database hold the same keys and values.
package kv

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// DB is a store: bbolt's *bbolt.DB as the platform uses it.
type DB interface {
	// Update runs fn in a read-write transaction: committed when fn returns nil, rolled back otherwise. Writers run
	// one at a time (on PostgreSQL across every process sharing the database).
	Update(fn func(Tx) error) error
	// View runs fn in a read-only transaction over one consistent snapshot; it never blocks writers.
	View(fn func(Tx) error) error
	// Batch is Update that may share one commit with concurrent Batch calls (bbolt's Batch); fn may run more than
	// once, so it must only touch the transaction.
	Batch(fn func(Tx) error) error
	// UpdateContext is Update for a request: when ctx ends first (the client hung up) the transaction is rolled back
	// and ctx's error returned. On PostgreSQL a statement waiting then is cancelled on the server, so no transaction
	// stays open for a client that is gone; bbolt checks ctx before it starts and before it commits.
	UpdateContext(ctx context.Context, fn func(Tx) error) error
	// ViewContext is View bound to ctx as UpdateContext is.
	ViewContext(ctx context.Context, fn func(Tx) error) error
	// UpdateRows is UpdateContext for work that writes only the platform's row tables (RowsOf: on PostgreSQL the
	// points ledger's balances and movements, the idempotency records and the day totals without proof) and only
	// reads buckets. On PostgreSQL it takes no writer lock: the statements lock the rows they change, so such
	// transactions of every process run side by side; a bucket change in it fails with ErrNeedsWriter (the caller
	// then runs the work again with UpdateContext), and a serialization failure, a deadlock or a unique violation
	// (SQLSTATE 40001, 40P01, 23505: a parallel request got there first) rolls back and runs fn again, a few times,
	// so fn must only touch the transaction. On bbolt it is UpdateContext.
	UpdateRows(ctx context.Context, fn func(Tx) error) error
	// Close releases the store.
	Close() error
	// Kind is "bbolt" or "postgres".
	Kind() string
}

// Tx is a transaction: bbolt's *bbolt.Tx as the platform uses it.
type Tx interface {
	// Bucket is the named bucket, or nil when it does not exist.
	Bucket(name []byte) Bucket
	// CreateBucketIfNotExists makes the bucket (in a write transaction) and returns it.
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// Writable tells a read-write transaction from a read-only one.
	Writable() bool
}

// Bucket is a set of key/value pairs in byte order: bbolt's *bbolt.Bucket as the platform uses it. Values returned
// by Get and by cursors are valid only during the transaction (bbolt's rule; copy to keep them).
type Bucket interface {
	// Get is the value of key, or nil when absent.
	Get(key []byte) []byte
	// Put sets key to value (write transactions only; the key must not be empty).
	Put(key, value []byte) error
	// Delete removes key (absent keys are no error).
	Delete(key []byte) error
	// Cursor iterates the bucket in key order.
	Cursor() Cursor
	// ForEach calls fn for every pair in key order; an error from fn stops it and is returned.
	ForEach(fn func(k, v []byte) error) error
	// NextSequence increments and returns the bucket's sequence (write transactions only).
	NextSequence() (uint64, error)
	// Sequence is the bucket's current sequence.
	Sequence() uint64
	// Stats counts the bucket's keys.
	Stats() BucketStats
}

// BucketStats is the part of bbolt's BucketStats the platform reads.
type BucketStats struct {
	KeyN int // number of keys
}

// Cursor walks a bucket in key order: bbolt's *bbolt.Cursor as the platform uses it. Each method returns the pair
// it moved to, or a nil key past either end.
type Cursor interface {
	First() (key, value []byte)
	Last() (key, value []byte)
	Next() (key, value []byte)
	Prev() (key, value []byte)
	// Seek moves to key, or to the first key after it.
	Seek(seek []byte) (key, value []byte)
}

var (
	// ErrTxNotWritable is returned by a change in a read-only transaction.
	ErrTxNotWritable = errors.New("kv: the transaction is read-only")
	// ErrKeyRequired is returned by Put with an empty key.
	ErrKeyRequired = errors.New("kv: the key is empty")
	// ErrNeedsWriter is returned by a bucket change inside UpdateRows on PostgreSQL: run the work with UpdateContext.
	ErrNeedsWriter = errors.New("kv: a bucket change needs the writer lock (UpdateContext)")
	// ErrLocked is wrapped by Open when another process holds a bbolt file (a running server).
	ErrLocked = errors.New("kv: the database file is held by another process")
)

// IsURL tells a PostgreSQL connection URL (postgres://… or postgresql://…) from a bbolt file path.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Exclusive runs fn while holding the lock called name across every process that shares the store, for work made of
// several transactions that two processes must not interleave (seeding the demo world at start). On PostgreSQL it is
// a session advisory lock; a bbolt file belongs to one process, where a process-wide lock does.
func Exclusive(db DB, name string, fn func() error) error {
	if p, ok := db.(*pgDB); ok {
		return p.exclusive(name, fn)
	}
	l, _ := localLocks.LoadOrStore(name, new(sync.Mutex))
	l.(*sync.Mutex).Lock()
	defer l.(*sync.Mutex).Unlock()
	return fn()
}

var localLocks sync.Map // name → *sync.Mutex

// BucketKey names one pair: a bucket and a key in it.
type BucketKey struct {
	Bucket []byte
	Key    string
}

// Prefetch reads the pairs named by keys in one round trip, for the transaction's later Gets of them: a request
// that will read several records one after the other (a lookup: the certificate's serial, the issuer, then the
// patron's service ID) asks for those it already knows together. On bbolt, whose reads are memory reads, it does
// nothing. A failure fails the transaction as a failed Get would.
func Prefetch(tx Tx, keys ...BucketKey) {
	if t, ok := tx.(*pgTx); ok {
		t.prefetch(keys, nil)
	}
}

// Via names a record whose key is another record's value: Prefix + the value of From + Suffix in Bucket (a
// certificate serial's MyKey ID, then that patron's record).
type Via struct {
	From           BucketKey
	Bucket         []byte
	Prefix, Suffix string
}

// PrefetchVia is Prefetch that also reads, in the same round trip, the records named by vias (PostgreSQL follows
// the links itself): a chain of reads that each needed the one before costs one round trip.
func PrefetchVia(tx Tx, keys []BucketKey, vias ...Via) {
	if t, ok := tx.(*pgTx); ok {
		t.prefetch(keys, vias)
	}
}

// PrefetchRow is Prefetch of keys with one statement of the caller's (over a package's row tables, giving one row)
// sent in the same round trip; scan reads that row. It reports false on bbolt, where it does nothing: the caller reads
// its rows its own way. A failed prefetch fails the transaction as a failed Get would; the statement's error is
// returned.
func PrefetchRow(tx Tx, keys []BucketKey, scan func(pgx.Row) error, sql string, args ...any) (bool, error) {
	if t, ok := tx.(*pgTx); ok {
		return true, t.prefetchRow(keys, scan, sql, args)
	}
	return false, nil
}

// ReadOne is ViewContext for work that most often reads one record (a terminal's record on every request): on
// PostgreSQL that read is sent on its own, one round trip, without BEGIN and COMMIT (one statement sees one
// snapshot). When fn reads more, it is run again as a ViewContext, so fn must only set what a second run sets again.
func ReadOne(ctx context.Context, db DB, fn func(Tx) error) error {
	if p, ok := db.(*pgDB); ok {
		err := p.readOne(ctx, fn)
		if !errors.Is(err, errNeedsSnapshot) {
			return err
		}
	}
	return db.ViewContext(ctx, fn)
}
