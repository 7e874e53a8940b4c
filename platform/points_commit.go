package platform

// Group commit for the points ledger. bbolt commits one write transaction at a time with an fsync each; under many
// concurrent terminals that fsync, not the work, is the limit. The committer runs whatever requests queued up while
// the previous commit was on disk in ONE transaction (one fsync), with no added delay for a lone request: the
// classic leader/follower group commit of database WALs.
//
// Atomicity per request is kept: if one request's function fails inside a batch, the whole transaction is rolled
// back, that request runs alone in its own transaction (its answer is then final), and the rest of the batch is run
// again without it. The outcome is always some serial order of the requests. Request functions must therefore only
// touch the transaction (they may run more than once before one commit counts); anything else they do (aggregate
// counters, the voucher-lookup throttle) goes through afterCommit, which runs it once, after the run whose answer the
// caller gets: the commit, or the refusal of a request run alone. A panic in a request function fails that request
// only (the rest of its batch runs again without it), never the server.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// maxGroup bounds one group so a commit's dirty pages stay small.
const maxGroup = 128

// afterCommit collects the side effects of one request's function (see the file comment). A nil *afterCommit runs
// them at once (a function run exactly once, outside the committer).
type afterCommit struct{ fns []func() }

// Do schedules f to run once the request's answer is final.
func (a *afterCommit) Do(f func()) {
	if a == nil {
		f()
		return
	}
	a.fns = append(a.fns, f)
}

func (a *afterCommit) reset() {
	if a != nil {
		a.fns = nil
	}
}

func (a *afterCommit) run() {
	if a == nil {
		return
	}
	fns := a.fns
	a.fns = nil
	for _, f := range fns {
		f()
	}
}

type commitReq struct {
	ctx      context.Context // the request's: once it ends, fn no longer runs and a lone transaction is cancelled
	buckets  bool            // fn changes buckets too: on PostgreSQL it runs under the writer lock at once
	fn       func(tx kv.Tx) error
	after    *afterCommit // may be nil
	done     chan error
	fnErr    error // the error fn returned in its last run (a refusal), nil when it succeeded
	panicked bool
	answered bool
}

// errFnPanic answers a request whose function panicked (the handler turns it into the internal-error envelope).
var errFnPanic = errors.New("points: a transaction function panicked")

type committer struct {
	db      kv.DB
	log     *slog.Logger // nil: panics are not logged
	commits atomic.Int64 // write transactions run (for tests and diagnostics)
	mu      sync.Mutex
	queue   []*commitReq
	running bool
}

// Do runs fn in a write transaction, possibly shared with other concurrent requests, and returns after the commit.
func (c *committer) Do(fn func(tx kv.Tx) error) error { return c.DoAfter(fn, nil) }

// DoAfter is Do with the request's side effects: fn schedules them on after (which the committer resets before each
// run of fn), and they run once, after the run whose outcome Do returns, when that run committed or fn refused.
func (c *committer) DoAfter(fn func(tx kv.Tx) error, after *afterCommit) error {
	return c.do(context.Background(), true, fn, after)
}

// DoCtx is DoAfter for a request: when ctx ends (the client hung up) before fn's turn, fn does not run and ctx's
// error is the answer; a request that runs alone is cancelled in the database with it (kv.DB.UpdateContext). A
// batch shared with other requests is not cancelled by one of them.
func (c *committer) DoCtx(ctx context.Context, fn func(tx kv.Tx) error, after *afterCommit) error {
	return c.do(ctx, false, fn, after)
}

// do is DoCtx; buckets says that fn changes buckets as well as the money rows (Do and DoAfter, used by maintenance
// and grant work, say so; a point use does not), so that on PostgreSQL it takes the writer lock at once rather than
// after a first run without it.
func (c *committer) do(ctx context.Context, buckets bool, fn func(tx kv.Tx) error, after *afterCommit) error {
	r := &commitReq{ctx: ctx, buckets: buckets, fn: fn, after: after, done: make(chan error, 1)}
	if c.db.Kind() == "postgres" {
		c.rows(r)
		return <-r.done
	}
	c.mu.Lock()
	c.queue = append(c.queue, r)
	lead := !c.running
	c.running = true
	c.mu.Unlock()
	if lead {
		c.loop(r)
	}
	return <-r.done
}

// loop commits queued batches until the queue is empty. The request that found no committer running leads it in
// its own goroutine (own; a lone request is committed with no hand-over between goroutines) until its own answer is
// in; then, if requests are still queued, a new goroutine carries on (own nil) so the leader's caller is not kept
// waiting for other requests' commits.
func (c *committer) loop(own *commitReq) {
	for {
		c.mu.Lock()
		if own != nil && len(own.done) > 0 && len(c.queue) > 0 {
			c.mu.Unlock()
			go c.loop(nil)
			return
		}
		n := min(len(c.queue), maxGroup)
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		if n == 0 {
			c.running = false
			c.queue = nil
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.run(batch)
	}
}

// call runs one request's function in tx, turning a panic into errFnPanic (bbolt then rolls the transaction back).
func (c *committer) call(r *commitReq, tx kv.Tx) (err error) {
	r.after.reset()
	r.fnErr, r.panicked = nil, false
	defer func() {
		if v := recover(); v != nil {
			r.panicked, err = true, errFnPanic
			r.after.reset()
			if c.log != nil {
				// The value is not logged: it could carry a patron's data. The stack says where.
				c.log.Error("panic in a point transaction; only its request fails", "type", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
			}
		}
	}()
	if err := r.ctx.Err(); err != nil {
		r.fnErr = err
		return err
	}
	r.fnErr = r.fn(tx)
	return r.fnErr
}

// finish answers r with err, running its side effects when the outcome is final (committed, or refused by fn).
func finish(r *commitReq, err error) {
	if r.answered {
		return
	}
	r.answered = true
	if !r.panicked && (err == nil || r.fnErr != nil) {
		r.after.run()
	} else {
		r.after.reset()
	}
	r.done <- err
}

// rows runs r on PostgreSQL: in a transaction of its own without the writer lock (kv.DB.UpdateRows: the money rows
// are locked row by row, and PostgreSQL shares commits between sessions itself), or, when r's function must change
// a bucket, again with the writer lock.
func (c *committer) rows(r *commitReq) {
	c.commits.Add(1)
	err := kv.ErrNeedsWriter
	if !r.buckets {
		err = c.db.UpdateRows(r.ctx, func(tx kv.Tx) error { return c.call(r, tx) })
	}
	if errors.Is(err, kv.ErrNeedsWriter) && !r.panicked {
		err = c.db.UpdateContext(r.ctx, func(tx kv.Tx) error { return c.call(r, tx) })
	}
	finish(r, err)
}

// alone runs r in a transaction of its own; its outcome is final.
func (c *committer) alone(r *commitReq) {
	c.commits.Add(1)
	err := c.db.UpdateContext(r.ctx, func(tx kv.Tx) error { return c.call(r, tx) })
	finish(r, err)
}

func (c *committer) run(batch []*commitReq) {
	defer func() {
		// Nothing below should panic (request functions are recovered in call); if bbolt itself does, only the
		// callers of this batch get an error, and the committer goes on with the next one.
		if v := recover(); v != nil {
			if c.log != nil {
				c.log.Error("panic in the group committer; the batch fails", "type", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
			}
			for _, r := range batch {
				r.panicked = true
				finish(r, errFnPanic)
			}
		}
	}()
	for len(batch) > 0 {
		if len(batch) == 1 {
			c.alone(batch[0])
			return
		}
		c.commits.Add(1)
		failed := -1
		err := c.db.Update(func(tx kv.Tx) error {
			for i, r := range batch {
				if err := c.call(r, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, r := range batch {
				finish(r, err) // nil, or the commit's own error for everyone (side effects dropped)
			}
			return
		}
		// The failing request alone: its answer is final (success is possible when it failed only because of an
		// earlier request in the batch, e.g. a balance another request had just spent). A request that panicked
		// is not run again.
		r := batch[failed]
		if r.panicked {
			finish(r, errFnPanic)
		} else {
			c.alone(r)
		}
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}

func (s *Server) commit() *committer { return s.pts().commit }

// idempotentPoints is Server.Idempotent (same records in the same bucket, same rules) over the group committer. fn
// schedules its side effects on after (afterCommit.Do), never does them itself: it may run more than once.
func (s *Server) idempotentPoints(w http.ResponseWriter, r *http.Request, c *Caller, reqBody []byte,
	fn func(tx kv.Tx, after *afterCommit) (status int, body any, err error)) {
	s.idempotentOn(false, w, r, c, reqBody, fn)
}

// idempotentBuckets is idempotentPoints for a request that also changes buckets (a merge's sequence, a
// grant's monthly count): on PostgreSQL it runs under the writer lock at once.
func (s *Server) idempotentBuckets(w http.ResponseWriter, r *http.Request, c *Caller, reqBody []byte,
	fn func(tx kv.Tx, after *afterCommit) (status int, body any, err error)) {
	s.idempotentOn(true, w, r, c, reqBody, fn)
}

func (s *Server) idempotentOn(buckets bool, w http.ResponseWriter, r *http.Request, c *Caller, reqBody []byte,
	fn func(tx kv.Tx, after *afterCommit) (status int, body any, err error)) {
	after := &afterCommit{}
	s.idempotent(func(f func(kv.Tx) error) error { return s.commit().do(r.Context(), buckets, f, after) }, !buckets, w, r, c, reqBody,
		func(tx kv.Tx) (int, any, error) { return fn(tx, after) })
}
