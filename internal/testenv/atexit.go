package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// Parts shared by all the tests of one test binary (the PostgreSQL server, a built mkpf-server) live as long as the
// binary, which Go's testing package gives no hook for without a TestMain. AtExit hands them to a small sentinel
// process: it reads what to clean up from a pipe whose write end only this test binary holds, so when the binary
// ends (passed, failed, or killed) the pipe closes and the sentinel stops the named processes and removes the named
// paths. The suite leaves nothing in the temporary directory.

var (
	sentinelOnce sync.Once
	sentinelW    io.WriteCloser
	sentinelErr  error
	sentinelMu   sync.Mutex
)

// sentinelScript collects "kill PGID" and "rm PATH" lines until EOF, then kills the process groups (waiting until they
// are gone, at most about 10 s) and removes the paths.
const sentinelScript = `pids=""
while IFS= read -r line; do
	case "$line" in
	"kill "*) pids="$pids ${line#kill }" ;;
	"rm "*) set -- "$@" "${line#rm }" ;;
	esac
done
for p in $pids; do kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; done
for p in $pids; do
	n=0
	while kill -0 "$p" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done
done
[ $# -gt 0 ] && rm -rf -- "$@"
exit 0
`

func sentinel() (io.Writer, error) {
	sentinelOnce.Do(func() {
		cmd := exec.Command("/bin/sh", "-c", sentinelScript)
		in, err := cmd.StdinPipe()
		if err != nil {
			sentinelErr = err
			return
		}
		// Its own process group: a Ctrl-C or a timeout that kills the test binary's group leaves it to clean up.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			sentinelErr = fmt.Errorf("testenv: start the clean-up sentinel: %w", err)
			return
		}
		sentinelW = in
		// Not waited for: it ends after this binary does (the pipe's write end closes with the process).
	})
	return sentinelW, sentinelErr
}

// RemoveAtExit removes path (a file or directory, recursively) when this test binary ends.
func RemoveAtExit(path string) error { return atExit("rm " + path) }

// KillAtExit kills the process group pgid (or the process, if it leads no group) when this test binary ends, before
// the paths are removed.
func KillAtExit(pgid int) error { return atExit(fmt.Sprintf("kill %d", pgid)) }

func atExit(line string) error {
	if strings.ContainsAny(line, "\n\r") {
		return fmt.Errorf("testenv: at-exit entry with a line break: %q", line)
	}
	w, err := sentinel()
	if err != nil {
		return err
	}
	sentinelMu.Lock()
	defer sentinelMu.Unlock()
	_, err = io.WriteString(w, line+"\n")
	return err
}

// tempDirAtExit is os.MkdirTemp for a directory that lives as long as the test binary.
func tempDirAtExit(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	if err := RemoveAtExit(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
