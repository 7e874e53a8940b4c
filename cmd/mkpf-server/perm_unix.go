//go:build unix

package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
)

// listenAdmin listens on the admin socket at path under a 0077 umask, so the socket is created for its owner only
// (no moment where its mode follows the process's umask, no chmod after).
func listenAdmin(path string) (net.Listener, error) {
	old := syscall.Umask(0o077)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	return ln, err
}

// checkDBDir makes sure the database directory is the server user's own, mode 0700 (docs/security.md): one that
// group or others may enter is set to 0700 when the server's user owns it (logged), and refused when it is shared
// (sticky, like /tmp) or somebody else's, with what to do.
func checkDBDir(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("the database directory %s: %v", dir, err)
	}
	mode := fi.Mode()
	if mode.Perm()&0o077 == 0 {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if mode&os.ModeSticky != 0 || !ok || int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("the database directory %s (mode %v) is open to other users and not this server's own: "+
			"keep the database in a directory of its own, e.g. `install -d -m 700 -o mkpf /var/lib/mkpf`, and run "+
			"the server as that user", dir, mode.Perm())
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("the database directory %s (mode %v) is open to other users and could not be set to 0700: %v", dir, mode.Perm(), err)
	}
	log.Warn("the database directory was open to other users: set to 0700", "dir", dir, "was", mode.Perm().String())
	return nil
}
