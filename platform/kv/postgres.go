package kv

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	neturl "net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The PostgreSQL store keeps every bucket in one table, kv (bucket, k, v), keys and values as bytea, whose order is
// byte order like bbolt's; kv_buckets holds the bucket names and their sequences. Statements keep to the SQL that
// PostgreSQL, CockroachDB and YugabyteDB share, except the writer lock (pg_advisory_xact_lock; docs/deploy.md says
// what to use on the others).

// writerLock is the advisory-lock key every read-write transaction takes first: one writer at a time across all
// processes sharing the database, bbolt's single-writer rule. ("mkpf" in ASCII.)
const writerLock = 0x6d6b7066

// txTimeout bounds one transaction, a safety net against a database that stopped answering.
const txTimeout = 60 * time.Second

// pageSize is how many pairs a cursor reads per round trip.
const pageSize = 64

// Writer-lock modes. "advisory" (PostgreSQL's default) takes pg_advisory_xact_lock; "row" locks the row 'writer' of
// kv_locks with SELECT … FOR UPDATE, which CockroachDB and YugabyteDB also honour (their advisory-lock functions are
// missing or no-ops in many releases). The URL parameter mkpf_writer_lock=advisory|row chooses; without it, row is
// chosen when the server reports itself as CockroachDB or YugabyteDB.
const (
	lockAdvisory = "advisory"
	lockRow      = "row"
)

// splitLockMode removes mkpf_writer_lock from url (the server would refuse an unknown parameter) and returns it.
func splitLockMode(raw string) (string, string, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("kv: postgres URL: %w", err)
	}
	q := u.Query()
	mode := q.Get("mkpf_writer_lock")
	if mode != "" && mode != lockAdvisory && mode != lockRow {
		return "", "", fmt.Errorf("kv: mkpf_writer_lock=%s: use advisory or row", mode)
	}
	if q.Has("mkpf_writer_lock") {
		q.Del("mkpf_writer_lock")
		u.RawQuery = q.Encode()
		raw = u.String()
	}
	return raw, mode, nil
}

// lockModeOf is the writer-lock mode for the server on conn when the URL chose none.
func lockModeOf(ctx context.Context, conn *pgx.Conn) (string, error) {
	var v string
	if err := conn.QueryRow(ctx, `SELECT version()`).Scan(&v); err != nil {
		return "", err
	}
	if strings.Contains(v, "CockroachDB") || strings.Contains(v, "-YB-") {
		return lockRow, nil
	}
	return lockAdvisory, nil
}

// OpenPostgres connects to the PostgreSQL database at url (postgres://user@host/db, or with ?host=/socket/dir),
// applies the missing migrations and returns the store. Without pool_max_conns in the URL the pool holds 16
// connections.
func OpenPostgres(ctx context.Context, url string) (DB, error) {
	url, mode, err := splitLockMode(url)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("kv: postgres URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("kv: cannot connect to PostgreSQL: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("kv: cannot connect to PostgreSQL: %w", err)
	}
	if mode == "" {
		mode, err = lockModeOf(ctx, conn.Conn())
	}
	if err == nil {
		_, err = migrateConn(ctx, conn.Conn(), mode)
	}
	conn.Release()
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &pgDB{pool: pool, lockMode: mode, buckets: map[string]bool{}}, nil
}

type pgDB struct {
	pool     *pgxpool.Pool
	lockMode string // lockAdvisory or lockRow

	mu      sync.Mutex
	buckets map[string]bool // buckets known to exist (buckets are never dropped)
}

func (d *pgDB) Kind() string { return "postgres" }

func (d *pgDB) Close() error {
	d.pool.Close()
	return nil
}

func (d *pgDB) Update(fn func(Tx) error) error { return d.UpdateContext(context.Background(), fn) }

func (d *pgDB) UpdateContext(ctx context.Context, fn func(Tx) error) error {
	return d.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, true, fn)
}

// Batch runs fn in its own transaction: PostgreSQL's group commit of concurrent sessions does the sharing.
func (d *pgDB) Batch(fn func(Tx) error) error { return d.Update(fn) }

func (d *pgDB) View(fn func(Tx) error) error { return d.ViewContext(context.Background(), fn) }

// rowRetries bounds how often UpdateRows runs fn again after a serialization failure, a deadlock or a unique
// violation; the last error is then returned.
const rowRetries = 8

func (d *pgDB) UpdateRows(ctx context.Context, fn func(Tx) error) error {
	var err error
	for range rowRetries {
		err = d.runRows(ctx, fn)
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// retryable tells the failures that another run of the same transaction may not meet: 40001 serialization failure,
// 40P01 deadlock detected, 23505 unique violation (a parallel transaction inserted the same key first: the next run
// sees its row).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "23505"
}

func (d *pgDB) runRows(ctx context.Context, fn func(Tx) error) error {
	return d.runTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, false, true, fn)
}

// Rows is the SQL side of a PostgreSQL transaction, for a package's row tables (RegisterMigrations): statements on
// Tx with Ctx commit or roll back with the transaction's bucket changes.
type Rows struct {
	Ctx context.Context
	Tx  SQL
	t   *pgTx
}

// Defer queues a statement to be sent with the commit, in the same round trip: for a last insert whose outcome the
// work does not read (an idempotency answer; a unique violation then fails the commit, and UpdateRows runs the work
// again).
func (r Rows) Defer(sql string, args ...any) {
	r.t.deferred = append(r.t.deferred, queued{sql: sql, args: args})
}

// Writes tells whether the transaction writes (UpdateRows, UpdateContext): a read that is followed by a write of the
// same row must then lock it (SELECT … FOR UPDATE, or an upsert that returns the row), since without the writer lock
// parallel transactions read the same row at READ COMMITTED. A read transaction can lock nothing.
func (r Rows) Writes() bool { return r.t != nil && (r.t.write || r.t.rowsOnly) }

// RowsOf is tx's SQL side when tx is a PostgreSQL transaction (false on bbolt). Rows written through it are not
// seen by bucket reads: the row tables and the buckets hold different records.
func RowsOf(tx Tx) (Rows, bool) {
	if t, ok := tx.(*pgTx); ok {
		if t.err == nil && len(t.pending) > 0 {
			t.flush() // keep the statement order of the work
		}
		return Rows{Ctx: t.ctx, Tx: t.tx, t: t}, true
	}
	return Rows{}, false
}

// Pool is the connection pool of a PostgreSQL store (nil on bbolt): for a package's read queries over its row tables
// outside a transaction.
func Pool(db DB) *pgxpool.Pool {
	if p, ok := db.(*pgDB); ok {
		return p.pool
	}
	return nil
}

func (d *pgDB) ViewContext(ctx context.Context, fn func(Tx) error) error {
	return d.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

// run is one transaction. A write transaction takes the writer lock first, then reads at READ COMMITTED: with every
// writer serialised behind the lock, each statement sees all that committed before it, which is bbolt's view of its
// one writer. A read transaction is a REPEATABLE READ READ ONLY snapshot, which PostgreSQL never blocks on writers.
func (d *pgDB) run(parent context.Context, opts pgx.TxOptions, write bool, fn func(Tx) error) error {
	return d.runTx(parent, opts, write, false, fn)
}

// runTx is run; rowsOnly is UpdateRows' transaction: no writer lock, bucket changes refused with ErrNeedsWriter.
func (d *pgDB) runTx(parent context.Context, opts pgx.TxOptions, write, rowsOnly bool, fn func(Tx) error) error {
	// A context that ends (the client hung up, or txTimeout) makes pgx close the connection; PostgreSQL then ends
	// the backend and its transaction, lock waits included (TestRequestContext_ClientThatHangsUpLeavesNoOpenTransaction).
	ctx, cancel := context.WithTimeout(parent, txTimeout)
	defer cancel()
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	defer conn.Release()
	begin := "begin isolation level read committed"
	if opts.IsoLevel == pgx.RepeatableRead {
		begin = "begin isolation level repeatable read read only"
	}
	ptx := &lazyTx{conn: conn, prefix: []queued{{sql: begin}}}
	defer ptx.rollback()
	if write {
		lock, arg := `SELECT pg_advisory_xact_lock($1)`, any(int64(writerLock))
		if d.lockMode == lockRow {
			lock, arg = `SELECT name FROM kv_locks WHERE name = $1 FOR UPDATE`, "writer"
		}
		ptx.prefix = append(ptx.prefix, queued{sql: lock, args: []any{arg}})
	}
	t := &pgTx{db: d, ctx: ctx, tx: ptx, write: write, rowsOnly: rowsOnly}
	ferr := fn(t)
	if t.err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", t.err)
	}
	if ferr != nil {
		return ferr
	}
	if err := t.commit(ptx); err != nil {
		return fmt.Errorf("kv: PostgreSQL commit: %w", err)
	}
	if len(t.created) > 0 {
		d.mu.Lock()
		for _, n := range t.created {
			d.buckets[n] = true
		}
		d.mu.Unlock()
	}
	return nil
}

// readOne runs fn with a transaction that sends its first statement alone (lazyTx.single).
func (d *pgDB) readOne(parent context.Context, fn func(Tx) error) error {
	ctx, cancel := context.WithTimeout(parent, txTimeout)
	defer cancel()
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	defer conn.Release()
	t := &pgTx{db: d, ctx: ctx, tx: &lazyTx{conn: conn, single: true}}
	ferr := fn(t)
	if t.err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", t.err)
	}
	return ferr
}

func (d *pgDB) exclusive(name string, fn func() error) error {
	if d.lockMode == lockRow {
		return d.exclusiveRow(name, fn)
	}
	h := fnv.New64a()
	h.Write([]byte("mkpf/" + name))
	key := int64(h.Sum64())
	ctx := context.Background()
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
			conn.Conn().Close(ctx) // a session lock dies with its connection
		}
	}()
	return fn()
}

// exclusiveRow holds the row of name in kv_locks (made on first use) in a transaction of its own for as long as fn
// runs: a lock over several transactions without session advisory locks.
func (d *pgDB) exclusiveRow(name string, fn func() error) error {
	ctx := context.Background()
	key := "exclusive/" + name
	if _, err := d.pool.Exec(ctx, `INSERT INTO kv_locks (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, key); err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT name FROM kv_locks WHERE name = $1 FOR UPDATE`, key); err != nil {
		return fmt.Errorf("kv: PostgreSQL: %w", err)
	}
	return fn()
}

type pgTx struct {
	db    *pgDB
	ctx   context.Context
	tx    SQL
	write bool
	// rowsOnly: an UpdateRows transaction (no writer lock): bucket changes fail with ErrNeedsWriter.
	rowsOnly bool
	err      error    // the first database error: the transaction then fails as a whole (bbolt's Get has no error)
	created  []string // buckets made in this transaction, known to exist once it commits
	pending  []pendingWrite
	fetched  map[string][]byte        // bucket + NUL + key → value (nil: absent), read ahead by Prefetch
	deferred []queued                 // statements sent with the commit (Rows.Defer)
	overlay  map[string]*pendingWrite // bucket + NUL + key → its latest pending write
}

func (t *pgTx) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

func (t *pgTx) Writable() bool { return t.write || t.rowsOnly }

func (t *pgTx) Bucket(name []byte) Bucket {
	n := string(name)
	t.db.mu.Lock()
	known := t.db.buckets[n]
	t.db.mu.Unlock()
	if !known && !t.hasCreated(n) {
		if t.err != nil {
			return nil
		}
		var one int
		err := t.tx.QueryRow(t.ctx, `SELECT 1 FROM kv_buckets WHERE name = $1`, n).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			t.fail(err)
			return &pgBucket{t: t, name: n} // every use fails with the transaction's error
		}
		t.db.mu.Lock()
		t.db.buckets[n] = true
		t.db.mu.Unlock()
	}
	return &pgBucket{t: t, name: n}
}

func (t *pgTx) hasCreated(n string) bool {
	for _, c := range t.created {
		if c == n {
			return true
		}
	}
	return false
}

func (t *pgTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	if t.rowsOnly {
		t.fail(ErrNeedsWriter)
		return nil, ErrNeedsWriter
	}
	if !t.write {
		return nil, ErrTxNotWritable
	}
	if len(name) == 0 {
		return nil, errors.New("kv: the bucket name is empty")
	}
	if t.err != nil {
		return nil, t.err
	}
	n := string(name)
	if _, err := t.tx.Exec(t.ctx, `INSERT INTO kv_buckets (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, n); err != nil {
		t.fail(err)
		return nil, err
	}
	t.created = append(t.created, n)
	return &pgBucket{t: t, name: n}, nil
}

type pgBucket struct {
	t    *pgTx
	name string
}

func (b *pgBucket) Get(key []byte) []byte {
	t := b.t
	if t.err != nil {
		return nil
	}
	if w, ok := t.buffered(b.name, key); ok {
		if w.del {
			return nil
		}
		return w.value
	}
	if v, ok := t.fetched[b.name+"\x00"+string(key)]; ok {
		return v
	}
	var v []byte
	err := t.tx.QueryRow(t.ctx, `SELECT v FROM kv WHERE bucket = $1 AND k = $2`, b.name, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		t.fail(err)
		return nil
	}
	if v == nil {
		v = []byte{}
	}
	return v
}

func (b *pgBucket) Put(key, value []byte) error {
	t := b.t
	if t.rowsOnly {
		t.fail(ErrNeedsWriter) // the transaction fails as a whole, even if the caller dropped this error
		return ErrNeedsWriter
	}
	if !t.write {
		return ErrTxNotWritable
	}
	if len(key) == 0 {
		return ErrKeyRequired
	}
	if t.err != nil {
		return t.err
	}
	t.buffer(b.name, key, append([]byte{}, value...), false)
	return nil
}

func (b *pgBucket) Delete(key []byte) error {
	t := b.t
	if t.rowsOnly {
		t.fail(ErrNeedsWriter) // the transaction fails as a whole, even if the caller dropped this error
		return ErrNeedsWriter
	}
	if !t.write {
		return ErrTxNotWritable
	}
	if t.err != nil {
		return t.err
	}
	t.buffer(b.name, key, nil, true)
	return nil
}

// A write transaction keeps its Puts and Deletes in memory (Get reads them back) and sends them in one round trip
// (a pipelined batch) before anything that reads ranges (a cursor, a count) and before the commit: a point use's
// dozen writes then cost one round trip instead of a dozen. A failure in the batch fails the transaction.
type pendingWrite struct {
	bucket string
	key    []byte
	value  []byte
	del    bool
}

func (t *pgTx) buffer(bucket string, key, value []byte, del bool) {
	key = append([]byte(nil), key...)
	t.pending = append(t.pending, pendingWrite{bucket: bucket, key: key, value: value, del: del})
	if t.overlay == nil {
		t.overlay = map[string]*pendingWrite{}
	}
	t.overlay[bucket+"\x00"+string(key)] = &t.pending[len(t.pending)-1]
	delete(t.fetched, bucket+"\x00"+string(key)) // read ahead before this write: stale once the write is sent
}

// buffered is the pending write of key, if any.
func (t *pgTx) buffered(bucket string, key []byte) (*pendingWrite, bool) {
	if len(t.overlay) == 0 {
		return nil, false
	}
	w, ok := t.overlay[bucket+"\x00"+string(key)]
	return w, ok
}

// commit sends the buffered bucket writes, the deferred statements (Rows.Defer) and COMMIT in one round trip (one
// pipelined batch: a failing statement skips the rest, COMMIT included, and the transaction is rolled back).
func (t *pgTx) commit(ptx *lazyTx) error {
	if len(t.pending) == 0 && len(t.deferred) == 0 {
		return ptx.commit(t.ctx)
	}
	batch := t.writeBatch()
	for _, q := range t.deferred {
		batch.Queue(q.sql, q.args...)
	}
	batch.Queue("commit")
	n := batch.Len()
	br := ptx.SendBatch(t.ctx, batch)
	var err error
	for range n {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	err = errors.Join(err, br.Close())
	if err == nil {
		ptx.done = true
	}
	t.pending, t.overlay, t.deferred = nil, nil, nil
	return err
}

// writeBatch is the buffered bucket writes as a batch.
func (t *pgTx) writeBatch() *pgx.Batch {
	batch := &pgx.Batch{}
	for _, w := range t.pending {
		if w.del {
			batch.Queue(`DELETE FROM kv WHERE bucket = $1 AND k = $2`, w.bucket, w.key)
		} else {
			batch.Queue(`INSERT INTO kv (bucket, k, v) VALUES ($1, $2, $3)
		ON CONFLICT (bucket, k) DO UPDATE SET v = excluded.v`, w.bucket, w.key, w.value)
		}
	}
	return batch
}

// flush sends the pending writes, in order, in one batch.
func (t *pgTx) flush() {
	if len(t.pending) == 0 || t.err != nil {
		return
	}
	br := t.tx.SendBatch(t.ctx, t.writeBatch())
	for range t.pending {
		if _, err := br.Exec(); err != nil {
			t.fail(err)
			break
		}
	}
	if err := br.Close(); err != nil {
		t.fail(err)
	}
	t.pending, t.overlay = t.pending[:0], nil
}

func (b *pgBucket) NextSequence() (uint64, error) {
	t := b.t
	if t.rowsOnly {
		t.fail(ErrNeedsWriter)
		return 0, ErrNeedsWriter
	}
	if !t.write {
		return 0, ErrTxNotWritable
	}
	if t.err != nil {
		return 0, t.err
	}
	var n int64
	err := t.tx.QueryRow(t.ctx, `UPDATE kv_buckets SET seq = seq + 1 WHERE name = $1 RETURNING seq`, b.name).Scan(&n)
	if err != nil {
		t.fail(err)
		return 0, err
	}
	return uint64(n), nil
}

func (b *pgBucket) Sequence() uint64 {
	t := b.t
	if t.err != nil {
		return 0
	}
	var n int64
	if err := t.tx.QueryRow(t.ctx, `SELECT seq FROM kv_buckets WHERE name = $1`, b.name).Scan(&n); err != nil {
		t.fail(err)
		return 0
	}
	return uint64(n)
}

func (b *pgBucket) Stats() BucketStats {
	t := b.t
	t.flush()
	if t.err != nil {
		return BucketStats{}
	}
	var n int64
	if err := t.tx.QueryRow(t.ctx, `SELECT count(*) FROM kv WHERE bucket = $1`, b.name).Scan(&n); err != nil {
		t.fail(err)
		return BucketStats{}
	}
	return BucketStats{KeyN: int(n)}
}

func (b *pgBucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *pgBucket) Cursor() Cursor { return &pgCursor{b: b} }

type pair struct{ k, v []byte }

// pgCursor reads the bucket a page at a time. The page is a contiguous run of keys in ascending order; moving past
// either end of it reads the next page from the current key, so changes made through the same transaction between
// pages are seen, as with bbolt.
type pgCursor struct {
	b    *pgBucket
	page []pair
	i    int
}

func (c *pgCursor) load(query string, arg []byte, reverse bool) (key, value []byte) {
	c.page, c.i = c.page[:0], 0
	t := c.b.t
	t.flush()
	if t.err != nil {
		return nil, nil
	}
	args := []any{c.b.name, pageSize}
	if arg != nil {
		args = append(args, arg)
	}
	rows, err := t.tx.Query(t.ctx, query, args...)
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.k, &p.v); err != nil {
			rows.Close()
			t.fail(err)
			return nil, nil
		}
		if p.v == nil {
			p.v = []byte{}
		}
		c.page = append(c.page, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.fail(err)
		c.page = c.page[:0]
		return nil, nil
	}
	if len(c.page) == 0 {
		return nil, nil
	}
	if reverse {
		for i, j := 0, len(c.page)-1; i < j; i, j = i+1, j-1 {
			c.page[i], c.page[j] = c.page[j], c.page[i]
		}
		c.i = len(c.page) - 1
	}
	return c.page[c.i].k, c.page[c.i].v
}

const (
	qFirst = `SELECT k, v FROM kv WHERE bucket = $1 ORDER BY k LIMIT $2`
	qLast  = `SELECT k, v FROM kv WHERE bucket = $1 ORDER BY k DESC LIMIT $2`
	qSeek  = `SELECT k, v FROM kv WHERE bucket = $1 AND k >= $3 ORDER BY k LIMIT $2`
	qAfter = `SELECT k, v FROM kv WHERE bucket = $1 AND k > $3 ORDER BY k LIMIT $2`
	qBelow = `SELECT k, v FROM kv WHERE bucket = $1 AND k < $3 ORDER BY k DESC LIMIT $2`
)

func (c *pgCursor) First() ([]byte, []byte) { return c.load(qFirst, nil, false) }
func (c *pgCursor) Last() ([]byte, []byte)  { return c.load(qLast, nil, true) }

func (c *pgCursor) Seek(seek []byte) ([]byte, []byte) {
	if seek == nil {
		seek = []byte{}
	}
	return c.load(qSeek, seek, false)
}

func (c *pgCursor) Next() ([]byte, []byte) {
	if c.i >= len(c.page) {
		return nil, nil // past the end, or never positioned
	}
	if c.i+1 < len(c.page) {
		c.i++
		return c.page[c.i].k, c.page[c.i].v
	}
	k, v := c.load(qAfter, c.page[c.i].k, false)
	if k == nil {
		c.page, c.i = c.page[:0], 0
	}
	return k, v
}

func (c *pgCursor) Prev() ([]byte, []byte) {
	if c.i >= len(c.page) {
		return nil, nil
	}
	if c.i > 0 {
		c.i--
		return c.page[c.i].k, c.page[c.i].v
	}
	k, v := c.load(qBelow, c.page[c.i].k, true)
	if k == nil {
		c.page, c.i = c.page[:0], 0
	}
	return k, v
}

// unread are the keys of keys that neither the read-ahead cache nor the transaction's own buffered writes answer, as
// the bucket and key arrays of a read-ahead query.
func (t *pgTx) unread(keys []BucketKey) (buckets []string, ks [][]byte) {
	buckets, ks = make([]string, 0, len(keys)), make([][]byte, 0, len(keys))
	for _, k := range keys {
		if _, ok := t.fetched[string(k.Bucket)+"\x00"+k.Key]; ok {
			continue
		}
		if _, ok := t.buffered(string(k.Bucket), []byte(k.Key)); ok {
			continue
		}
		buckets, ks = append(buckets, string(k.Bucket)), append(ks, []byte(k.Key))
	}
	return buckets, ks
}

func (t *pgTx) prefetch(keys []BucketKey, vias []Via) {
	if t.err != nil || len(keys)+len(vias) == 0 {
		return
	}
	if t.fetched == nil {
		t.fetched = map[string][]byte{}
	}
	buckets, ks := t.unread(keys)
	for i, k := range ks {
		t.fetched[buckets[i]+"\x00"+string(k)] = nil // absent unless the query finds it
	}
	var fb, vb, pre, suf []string
	var fk [][]byte
	for _, v := range vias {
		fb, fk = append(fb, string(v.From.Bucket)), append(fk, []byte(v.From.Key))
		vb, pre, suf = append(vb, string(v.Bucket)), append(pre, v.Prefix), append(suf, v.Suffix)
	}
	if len(ks) == 0 && len(vias) == 0 {
		return
	}
	rows, err := t.tx.Query(t.ctx, `SELECT kv.bucket, kv.k, kv.v FROM kv
		JOIN unnest($1::text[], $2::bytea[]) AS want(bucket, k) ON kv.bucket = want.bucket AND kv.k = want.k
		UNION ALL
		SELECT kv.bucket, kv.k, kv.v FROM unnest($3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[]) AS via(fb, fk, b, pre, suf)
		JOIN kv f ON f.bucket = via.fb AND f.k = via.fk
		JOIN kv ON kv.bucket = via.b AND kv.k = convert_to(via.pre, 'UTF8') || f.v || convert_to(via.suf, 'UTF8')`,
		buckets, ks, fb, fk, vb, pre, suf)
	if err != nil {
		t.fail(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		var k, v []byte
		if err := rows.Scan(&b, &k, &v); err != nil {
			t.fail(err)
			return
		}
		if v == nil {
			v = []byte{}
		}
		t.fetched[b+"\x00"+string(k)] = v
	}
	if err := rows.Err(); err != nil {
		t.fail(err)
		return
	}
	// A via record not found is absent, when its link was read in the same snapshot (buffered writes aside).
	for _, v := range vias {
		from, ok := t.fetched[string(v.From.Bucket)+"\x00"+v.From.Key]
		if !ok || from == nil {
			continue
		}
		if _, buffered := t.buffered(string(v.From.Bucket), []byte(v.From.Key)); buffered {
			continue
		}
		id := string(v.Bucket) + "\x00" + v.Prefix + string(from) + v.Suffix
		if _, ok := t.fetched[id]; !ok {
			if _, buffered := t.buffered(string(v.Bucket), []byte(v.Prefix+string(from)+v.Suffix)); !buffered {
				t.fetched[id] = nil
			}
		}
	}
}

// prefetchRow is prefetch of keys (no vias) with the caller's statement sql sent in the same batch; scan reads its row.
func (t *pgTx) prefetchRow(keys []BucketKey, scan func(pgx.Row) error, sql string, args []any) error {
	if t.err != nil {
		return t.err
	}
	if len(t.pending) > 0 {
		t.flush() // keep the statement order of the work
		if t.err != nil {
			return t.err
		}
	}
	if t.fetched == nil {
		t.fetched = map[string][]byte{}
	}
	buckets, ks := t.unread(keys)
	b := &pgx.Batch{}
	if len(ks) > 0 {
		b.Queue(`SELECT kv.bucket, kv.k, kv.v FROM kv
			JOIN unnest($1::text[], $2::bytea[]) AS want(bucket, k) ON kv.bucket = want.bucket AND kv.k = want.k`, buckets, ks)
	}
	b.Queue(sql, args...)
	br := t.tx.SendBatch(t.ctx, b)
	if len(ks) > 0 {
		rows, err := br.Query()
		if err == nil {
			for i, k := range ks { // absent unless the query finds it
				t.fetched[buckets[i]+"\x00"+string(k)] = nil
			}
			for rows.Next() {
				var bu string
				var k, v []byte
				if err = rows.Scan(&bu, &k, &v); err != nil {
					break
				}
				if v == nil {
					v = []byte{}
				}
				t.fetched[bu+"\x00"+string(k)] = v
			}
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
		if err != nil {
			t.fail(err)
			return errors.Join(err, br.Close())
		}
	}
	err := scan(br.QueryRow())
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}
