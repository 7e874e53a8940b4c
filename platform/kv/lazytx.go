package kv

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQL is the statement side of a PostgreSQL transaction (pgx.Tx's methods the store and the platform's row tables
// use).
type SQL interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// lazyTx is a transaction whose BEGIN (and, for a writer, the writer lock) goes to PostgreSQL in one round trip with
// its first statement, a pipelined batch, instead of a round trip of its own: a point use or a lookup is a handful
// of round trips, and over a network each one is the cost. A transaction that sends no statement costs none.
type lazyTx struct {
	conn   *pgxpool.Conn
	prefix []queued // BEGIN …, then the writer lock when there is one
	begun  bool
	done   bool
	// single: ReadOne's transaction, which sends its one statement on its own (no BEGIN, no COMMIT: one statement
	// is one snapshot); a second statement fails with errNeedsSnapshot, and ReadOne runs the work as a View.
	single, used bool
}

// errNeedsSnapshot is a second statement in ReadOne's transaction.
var errNeedsSnapshot = errors.New("kv: more than one statement: the work needs a read transaction")

// direct reports whether a statement goes to the connection as it is (begun, or ReadOne's one statement), or fails.
func (t *lazyTx) direct() (bool, error) {
	if t.begun {
		return true, nil
	}
	if t.single {
		if t.used {
			return false, errNeedsSnapshot
		}
		t.used = true
		return true, nil
	}
	return false, nil
}

type queued struct {
	sql  string
	args []any
}

// start makes b the batch that begins the transaction (the prefix, then b's own statements) and marks it begun.
func (t *lazyTx) start(b *pgx.Batch) *pgx.Batch {
	if t.begun {
		return b
	}
	t.begun = true
	nb := &pgx.Batch{}
	for _, q := range t.prefix {
		nb.Queue(q.sql, q.args...)
	}
	nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
	return nb
}

// prefixResults reads the prefix's results from br (a statement of the transaction follows them).
func (t *lazyTx) prefixResults(br pgx.BatchResults, n int) error {
	for range n {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

func (t *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if ok, err := t.direct(); err != nil {
		return pgconn.CommandTag{}, err
	} else if ok {
		return t.conn.Exec(ctx, sql, args...)
	}
	if len(args) == 0 {
		// A statement without arguments may be several (a migration's file): those go by the simple protocol,
		// which a batch does not use, so the transaction begins first, on its own.
		if err := t.beginNow(ctx); err != nil {
			return pgconn.CommandTag{}, err
		}
		return t.conn.Exec(ctx, sql)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	n := len(t.prefix)
	br := t.conn.SendBatch(ctx, t.start(b))
	if err := t.prefixResults(br, n); err != nil {
		return pgconn.CommandTag{}, errors.Join(err, br.Close())
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (t *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if ok, err := t.direct(); err != nil {
		return nil, err
	} else if ok {
		return t.conn.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	n := len(t.prefix)
	br := t.conn.SendBatch(ctx, t.start(b))
	if err := t.prefixResults(br, n); err != nil {
		return nil, errors.Join(err, br.Close())
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := t.Query(ctx, sql, args...)
	return lazyRow{rows: rows, err: err}
}

func (t *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if ok, err := t.direct(); err != nil {
		return failedBatch{err: err}
	} else if ok {
		return t.conn.SendBatch(ctx, b)
	}
	n := len(t.prefix)
	br := t.conn.SendBatch(ctx, t.start(b))
	if err := t.prefixResults(br, n); err != nil {
		return failedBatch{err: errors.Join(err, br.Close())}
	}
	return br
}

// beginNow sends the prefix on its own.
func (t *lazyTx) beginNow(ctx context.Context) error {
	t.begun = true
	for _, q := range t.prefix {
		if _, err := t.conn.Exec(ctx, q.sql, q.args...); err != nil {
			return err
		}
	}
	return nil
}

// commit ends the transaction (nothing to send when no statement began it).
func (t *lazyTx) commit(ctx context.Context) error {
	t.done = true
	if !t.begun {
		return nil
	}
	_, err := t.conn.Exec(ctx, "commit")
	return err
}

// rollback ends the transaction unless it committed; a connection whose context ended is closed by pgx, and the
// pool drops it.
func (t *lazyTx) rollback() {
	if t.done || !t.begun {
		return
	}
	t.done = true
	if _, err := t.conn.Exec(context.Background(), "rollback"); err != nil {
		_ = t.conn.Conn().Close(context.Background()) // the session ends, and its transaction with it
	}
}

// batchRows are the rows of a batch's statement: closing them closes the batch.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// lazyRow is QueryRow's answer over Query (pgx's Row rules: ErrNoRows when there is none; the rows are closed).
type lazyRow struct {
	rows pgx.Rows
	err  error
}

func (r lazyRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// failedBatch answers every result of a batch whose beginning failed with that failure.
type failedBatch struct{ err error }

func (f failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, f.err }
func (f failedBatch) Query() (pgx.Rows, error)         { return nil, f.err }
func (f failedBatch) QueryRow() pgx.Row                { return lazyRow{err: f.err} }
func (f failedBatch) Close() error                     { return f.err }

func (f failedBatch) Tx() pgx.Tx { return nil }
