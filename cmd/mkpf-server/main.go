// Command mkpf-server is the reference MyKey Platform server: `serve` runs the HTTP JSON API (docs/api.md) on a bbolt
// file (--db FILE) or on PostgreSQL (--store postgres://…, shared by any number of server processes); `migrate`
// applies PostgreSQL's schema migrations; `admin …` runs a municipality's and J-LIS's administrative operations on
// the store directly (on PostgreSQL beside the running servers; a bbolt file is locked while its server runs).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "admin":
		return admin(args[1:], stdout, stderr)
	case "migrate":
		return migrateCmd(args[1:], stdout, stderr)
	case "copy-store":
		return copyStoreCmd(args[1:], stdout, stderr)
	case "backup":
		return backup(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		usage(stdout)
		return 0
	}
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage:
  mkpf-server serve --addr HOST:PORT (--db FILE | --store postgres://…) [--demo] [--tls-cert F --tls-key F | --insecure-http]
                    [--secret-key-file F] [--log-json]
                    [--backup-dir DIR --backup-every 1h --backup-keep 48]   (hot backups of a bbolt file)
                    [--smtp HOST:PORT [--smtp-user U --smtp-password-file F] [--mail-from ADDR]]
        (TLS is required on any address but loopback; the operator key may also come from $MKPF_SECRET_KEY)
  mkpf-server backup --db FILE --out FILE     (a bbolt file while its server runs, through its admin socket)
  mkpf-server migrate --store postgres://… [--status]   (apply PostgreSQL's schema migrations; serve also does at start;
                    --status lists them, applied and pending, and changes nothing)
  mkpf-server copy-store --from STORE --to STORE (copy a whole store into an empty one: bbolt file ↔ PostgreSQL)
  mkpf-server admin COMMAND (--db FILE | --store postgres://…) [flags]   (run "mkpf-server admin" for the list)`)
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
	dbPath := fs.String("db", "", "bbolt database file (created when missing)")
	store := fs.String("store", "", "PostgreSQL URL postgres://user@host/db (or a bbolt file), instead of --db")
	demo := fs.Bool("demo", false, "seed the demo world (川崎市, its issuers, the 様式II roster, the demo patrons)")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); serve HTTPS with --tls-key")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	logJSON := fs.Bool("log-json", false, "log as JSON lines instead of text")
	backupDir := fs.String("backup-dir", "", "write hot backups of the bbolt file into this directory while serving")
	backupEvery := fs.Duration("backup-every", time.Hour, "time between hot backups (with --backup-dir)")
	backupKeep := fs.Int("backup-keep", 48, "hot backups kept (with --backup-dir)")
	mailf := declareMailFlags(fs) // serve_mail.go
	insecure := fs.Bool("insecure-http", false, "serve plain HTTP on a non-loopback address (passwords, tokens and card data cross the network in clear)")
	keyPath := fs.String("secret-key-file", "", "operator key file sealing the store's secrets (or $"+platform.SecretKeyEnv+"); docs/security.md")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if msg := pickStore(dbPath, *store); msg != "" {
		fmt.Fprintln(stderr, "mkpf-server: "+msg)
		return 2
	}
	if *demo && !platform.DemoWorldLinked {
		fmt.Fprintln(stderr, "mkpf-server: "+platform.ErrNoDemoWorld.Error())
		return 2
	}
	if msg := checkBackupFlags(*dbPath, *backupDir, *backupEvery, *backupKeep); msg != "" {
		fmt.Fprintln(stderr, "mkpf-server: "+msg)
		return 2
	}
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(stderr, "mkpf-server: --tls-cert and --tls-key go together")
		return 2
	}
	if *certFile == "" && !loopbackAddr(*addr) && !*insecure {
		fmt.Fprintf(stderr, "mkpf-server: %s is not a loopback address: give --tls-cert and --tls-key (docs/security.md: getting and rotating the certificate), or --insecure-http behind a TLS proxy on the same machine\n", *addr)
		return 2
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	if gc := platform.TuneServerGC(); gc != "" { // gctune.go: a small live heap, collected less often
		log.Info("garbage collector target", "GOGC", gc)
	}
	if dir := filepath.Dir(*dbPath); dir != "" && !kv.IsURL(*dbPath) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			fmt.Fprintf(stderr, "mkpf-server: cannot create the database directory: %v\n", err)
			return 1
		}
		if !*demo { // perm_unix.go (the demo's made-up data: not checked)
			if err := checkDBDir(dir, log); err != nil {
				fmt.Fprintf(stderr, "mkpf-server: %v\n", err)
				return 1
			}
		}
	}
	if *certFile == "" && !loopbackAddr(*addr) {
		log.Warn("serving plain HTTP on a non-loopback address (--insecure-http): terminal passwords, tokens and card data cross the network in clear", "addr", *addr)
	}
	secretKey, err := platform.LoadSecretKey(*keyPath)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server: operator key: %v\n", err)
		return 1
	}
	if secretKey == nil && !*demo {
		log.Warn("no operator key (--secret-key-file or $" + platform.SecretKeyEnv + "): the store's secrets are kept unsealed")
	}
	srv, err := platform.Open(*dbPath, platform.Options{Logger: log, SecretKey: secretKey})
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server: %v\n", err)
		return 1
	}
	defer srv.Close()
	if *demo {
		if err := srv.SeedDemo(); err != nil {
			fmt.Fprintf(stderr, "mkpf-server: %v\n", err)
			return 1
		}
	}
	if *backupDir != "" {
		stopBackups := make(chan struct{})
		defer close(stopBackups)
		go backupLoop(srv.DB(), *backupDir, *backupEvery, *backupKeep, log, stopBackups)
	}
	stopMail, err := mailf.start(srv)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server: %v\n", err)
		return 2
	}
	defer stopMail() // before srv.Close (deferred earlier, so it runs later)
	// The admin socket (hot backup) belongs to a bbolt file; on PostgreSQL, pg_dump and the admin commands run
	// beside the servers, and a URL is no path to put a socket at.
	if !kv.IsURL(*dbPath) {
		stopAdmin, err := serveAdminSocket(srv, *dbPath, log)
		if err != nil {
			log.Warn("no admin socket: backup needs the server stopped", "err", err)
		} else {
			defer stopAdmin()
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "mkpf-server: cannot listen on %s: %v\n", *addr, err)
		return 1
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(h, slog.LevelWarn),
	}
	scheme := "http"
	if *certFile != "" {
		scheme = "https"
	}
	log.Info("mkpf-server listening", "url", scheme+"://"+ln.Addr().String(), "db", platform.RedactStore(*dbPath), "demo", *demo)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if *certFile != "" {
			errc <- hs.ServeTLS(ln, *certFile, *keyFile)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "mkpf-server: %v\n", err)
			return 1
		}
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		log.Info("mkpf-server stopped")
	}
	return 0
}

// loopbackAddr reports whether a listen address stays on this machine (127.0.0.0/8, ::1, localhost).
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
