package platform

// Group commit for the points ledger. bbolt commits one write transaction at a time with an fsync each; under many
// concurrent terminals that fsync, not the work, is the limit. The committer runs whatever requests queued up while
// the previous commit was on disk in ONE transaction (one fsync), with no added delay for a lone request: the
// classic leader/follower group commit of database WALs.
//
// Atomicity per request is kept: if one request's function fails inside a batch, the whole transaction is rolled
// back, that request runs alone in its own transaction (its answer is then final), and the rest of the batch is run
// again without it. The outcome is always some serial order of the requests. Request functions must therefore only
// touch the transaction (they may run more than once before one commit counts).

import (
	"net/http"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"
)

// maxGroup bounds one group so a commit's dirty pages stay small.
const maxGroup = 128

type commitReq struct {
	fn   func(tx *bbolt.Tx) error
	done chan error
}

type committer struct {
	db      *bbolt.DB
	commits atomic.Int64 // write transactions run (for tests and diagnostics)
	mu      sync.Mutex
	queue   []*commitReq
	running bool
}

// Do runs fn in a write transaction, possibly shared with other concurrent requests, and returns after the commit.
func (c *committer) Do(fn func(tx *bbolt.Tx) error) error {
	r := &commitReq{fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, r)
	if !c.running {
		c.running = true
		go c.loop()
	}
	c.mu.Unlock()
	return <-r.done
}

func (c *committer) loop() {
	for {
		c.mu.Lock()
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

func (c *committer) run(batch []*commitReq) {
	for len(batch) > 0 {
		c.commits.Add(1)
		if len(batch) == 1 {
			batch[0].done <- c.db.Update(batch[0].fn)
			return
		}
		failed := -1
		err := c.db.Update(func(tx *bbolt.Tx) error {
			for i, r := range batch {
				if err := r.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, r := range batch {
				r.done <- err // nil, or the commit's own error for everyone
			}
			return
		}
		// The failing request alone: its answer is final (success is possible when it failed only because of an
		// earlier request in the batch, e.g. a balance another request had just spent).
		r := batch[failed]
		c.commits.Add(1)
		r.done <- c.db.Update(r.fn)
		batch = append(batch[:failed:failed], batch[failed+1:]...)
	}
}

func (s *Server) commit() *committer { return s.pts().commit }

// idempotentPoints is Server.Idempotent (same records in the same bucket, same rules) over the group committer.
func (s *Server) idempotentPoints(w http.ResponseWriter, r *http.Request, c *Caller, reqBody []byte,
	fn func(tx *bbolt.Tx) (status int, body any, err error)) {
	s.idempotent(s.commit().Do, w, r, c, reqBody, fn)
}
