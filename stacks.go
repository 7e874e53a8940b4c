package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

// inFront is whether one of this program's windows is the foreground window as the system says (watchForeground on
// Windows); 0 not known, 1 yes, 2 no. Only the test-state dump below reads it.
var inFront atomic.Int32

// dumpStateOnRequest is a test-only diagnostic, off unless MYKEYTERM_TEST_STATE names a file: while the program runs,
// each time a file named like it plus ".req" appears, the program writes into the file whether its window is the
// foreground window ("foreground=yes", "no" or "unknown") and the stacks of all its goroutines, and removes the
// request. The wine tests use it to wait until a click has activated the window, and to see where the program waits
// when it does not exit (Windows has no SIGQUIT). The stacks hold no more of the terminal's data than a debugger sees.
func dumpStateOnRequest() {
	path := os.Getenv("MYKEYTERM_TEST_STATE")
	if path == "" {
		return
	}
	go func() {
		for ; ; time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(path + ".req"); err != nil {
				continue
			}
			buf := make([]byte, 1<<20)
			for {
				n := runtime.Stack(buf, true)
				if n < len(buf) {
					buf = buf[:n]
					break
				}
				buf = make([]byte, 2*len(buf))
			}
			fg := [...]string{"unknown", "yes", "no"}[inFront.Load()]
			out := fmt.Sprintf("foreground=%s\n%s\n%s", fg, time.Now().Format(time.RFC3339Nano), buf)
			_ = os.WriteFile(path+".tmp", []byte(out), 0o600)
			_ = os.Rename(path+".tmp", path)
			_ = os.Remove(path + ".req")
		}
	}()
}
