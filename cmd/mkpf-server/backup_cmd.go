package main

// `mkpf-server backup --db FILE --out FILE`: a consistent copy of the store while the server runs. The running
// server listens on an admin socket beside its database (FILE.admin.sock, created owner-only under a 0077 umask, in
// the 0700 database directory that serve checks at start); backup asks it for the copy. When no server runs, backup
// opens the file itself.

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/mykeyterm/mykeyterm/platform"
)

// adminSocket is the admin socket path of a database file.
func adminSocket(dbPath string) string { return dbPath + ".admin.sock" }

// serveAdminSocket answers "backup\n" on the admin socket with the store's copy. It returns a stop function.
func serveAdminSocket(srv *platform.Server, dbPath string, log *slog.Logger) (func(), error) {
	path := adminSocket(dbPath)
	os.Remove(path) // a socket left by a killed server
	// owner only from its creation (perm_unix.go)
	ln, err := listenAdmin(path)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err != nil || line != "backup\n" {
					return
				}
				conn.SetDeadline(time.Time{})
				n, err := srv.Backup(conn)
				if err != nil {
					log.Error("backup failed", "err", err)
					return
				}
				log.Info("backup written", "bytes", n)
			}()
		}
	}()
	return func() { ln.Close(); os.Remove(path) }, nil
}

func backup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "the database file of the (running or stopped) server")
	out := fs.String("out", "", "the backup file to write (replaced atomically)")
	keyFile := fs.String("secret-key-file", "", "operator key file (only when no server runs; or $"+platform.SecretKeyEnv+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dbPath == "" || *out == "" {
		fmt.Fprintln(stderr, "mkpf-server backup: --db FILE and --out FILE are required")
		return 2
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".backup-*")
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server backup: %v\n", err)
		return 1
	}
	defer os.Remove(tmp.Name())
	n, err := backupFromServer(*dbPath, tmp)
	if errors.Is(err, errNoServer) {
		n, err = backupFromFile(*dbPath, *keyFile, tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup of %s written to %s (%d bytes)\n", *dbPath, *out, n)
	return 0
}

var errNoServer = errors.New("no running server")

func backupFromServer(dbPath string, w io.Writer) (int64, error) {
	conn, err := net.Dial("unix", adminSocket(dbPath))
	if err != nil {
		return 0, errNoServer
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "backup\n"); err != nil {
		return 0, err
	}
	n, err := io.Copy(w, conn)
	if err == nil && n == 0 {
		err = errors.New("the running server sent no backup (see its log)")
	}
	return n, err
}

func backupFromFile(dbPath, keyFile string, w io.Writer) (int64, error) {
	key, err := platform.LoadSecretKey(keyFile)
	if err != nil {
		return 0, err
	}
	srv, err := platform.Open(dbPath, platform.Options{SecretKey: key})
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	return srv.Backup(w)
}
