package main

import (
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// Closing the window ends the program here, not at the end of Fyne's own shutdown. Fyne 2.7.1's shutdown can deadlock:
// the glfw driver queues the app's "stopped" hook (always set: Fyne saves its preferences there) as the last lifecycle
// event, the event goroutine hands it to the main loop (runOnMainWithWait) just as the loop drains and closes its queue,
// so the hook never runs and its sender waits for ever; ShowAndRun then waits in Lifecycle.WaitForEvents for that
// event goroutine and never returns. A loaded machine widens that window: under wine the installed app stayed after
// Alt+F4 with main in WaitForEvents and the event goroutine in runOnMainWithWait. So the window's close is
// intercepted: the window hides at once, the program's clean-ups run (bounded as a whole by exitWait, so no card
// reader, platform call or driver can keep a closed program alive) and the process exits with code 0. Fyne's stopped
// hook (saving its preferences) does not run then; the app keeps its settings in its own state file.

// exitWait bounds the clean-ups after the window closed: the state file and the demo world close within
// milliseconds; a clean-up stuck in a driver call is abandoned (the process ends; committed data is on disk).
const exitWait = 10 * time.Second

// closers are the program's clean-ups, run once in reverse order (as defers would) by whichever ends the program
// first: run's return (an error at start, or the window gone another way) or the window's close (exitOnClose).
type closers struct {
	mu  sync.Mutex
	fns []func()
}

func (c *closers) add(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, f)
}

func (c *closers) run() {
	c.mu.Lock()
	fns := c.fns
	c.fns = nil
	c.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// exitOnClose makes closing w (the close button, Alt+F4) hide it, run cl within exitWait and end the process with
// exit code 0.
func exitOnClose(w fyne.Window, cl *closers) {
	var once sync.Once
	w.SetCloseIntercept(func() {
		once.Do(func() {
			w.Hide()
			go func() {
				done := make(chan struct{})
				go func() {
					cl.run()
					close(done)
				}()
				select {
				case <-done:
				case <-time.After(exitWait):
				}
				os.Exit(0)
			}()
		})
	})
}
