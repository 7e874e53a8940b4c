package platform

import (
	"fmt"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// HoldCommits blocks the server's group committer with a transaction that waits for release, so that requests sent
// meanwhile queue up and then run as one batch. waitQueued(n) returns once n requests wait behind the held one (an
// error after a generous safety net, never a timing assertion).
func HoldCommits(s *Server) (waitQueued func(n int) error, release func()) {
	c := s.commit()
	started, rel := make(chan struct{}), make(chan struct{})
	go c.Do(func(tx kv.Tx) error {
		close(started)
		<-rel
		return nil
	})
	<-started
	waitQueued = func(n int) error {
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			c.mu.Lock()
			q := len(c.queue)
			c.mu.Unlock()
			if q >= n {
				return nil
			}
		}
		return fmt.Errorf("%d requests did not queue behind the held commit", n)
	}
	return waitQueued, func() { close(rel) }
}
