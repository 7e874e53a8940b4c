package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// serveProcess runs this test binary as `mkpf-server serve --demo` on store (a --db file or a --store URL) and
// waits until it listens.
func serveProcess(t *testing.T, flag, store string) string {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(os.Args[0], "serve", "--demo", "--addr", addr, flag, store)
	cmd.Env = append(os.Environ(), "MKPF_SERVER_MAIN=1")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 600; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs.String())
	return ""
}

// TestAdmin_BesideARunningServerOnPostgreSQL: on PostgreSQL the admin commands and migrate run while a server
// serves the same database, and what they change applies to the running server at once (a revocation).
func TestAdmin_BesideARunningServerOnPostgreSQL(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only")
	db := testenv.PostgresURL(t)
	url := serveProcess(t, "--store", db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Enroll(ctx, url, "00052489", "8912k41a"); err != nil {
		t.Fatal(err)
	}
	y, _ := demopki.Get("yamada")
	if r, err := c.Lookup(ctx, y.AuthCertDER); err != nil || r.CardNumber != "180000000011" {
		t.Fatalf("lookup before: %+v %v", r, err)
	}
	if out := mustAdmin(t, "stats", "--store", db); !strings.Contains(out, "enrolled 1") {
		t.Fatalf("stats beside the server: %s", out)
	}
	mustAdmin(t, "revoke", "--store", db, "--serial", y.Serial, "--reason", "lost")
	if _, err := c.Lookup(ctx, y.AuthCertDER); platformclient.Code(err) != mkpf.CodeCertRevoked {
		t.Fatalf("lookup after the admin's revocation: %v, want %s", err, mkpf.CodeCertRevoked)
	}
	code, out, errs := runServer("migrate", "--store", db)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate beside the server: %d %s%s", code, out, errs)
	}
	code, out, errs = runServer("migrate", "--status", "--store", db)
	if code != 0 || !strings.Contains(out, "schema at version 5; this program's is 5") || strings.Contains(out, "pending") ||
		!strings.Contains(out, "applied  004_identity_rows.sql") {
		t.Fatalf("migrate --status beside the server: %d %s%s", code, out, errs)
	}
	if code, _, errs := runServer("migrate", "--store", "x.db"); code != 2 || !strings.Contains(errs, "--store postgres://") {
		t.Fatalf("migrate of a bbolt file: %d %s", code, errs)
	}
	if code, _, errs := runServer("admin", "stats", "--db", "x.db", "--store", db); code != 2 || !strings.Contains(errs, "not both") {
		t.Fatalf("--db and --store: %d %s", code, errs)
	}
}

// TestMigrate_AppliesThenSaysUpToDate: migrate on an empty database applies every migration and names them; run
// again it applies nothing and says so; --status lists them before (pending) and after (applied) and changes nothing.
func TestMigrate_AppliesThenSaysUpToDate(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only")
	db := testenv.PostgresURL(t)
	code, out, errs := runServer("migrate", "--status", "--store", db)
	if code != 0 || !strings.Contains(out, "schema at version 0; this program's is 5") || strings.Count(out, "pending") != 5 {
		t.Fatalf("--status of an empty database: %d %s%s", code, out, errs)
	}
	code, out, errs = runServer("migrate", "--status", "--store", db)
	if code != 0 || strings.Count(out, "pending") != 5 {
		t.Fatalf("--status changed the database: %d %s%s", code, out, errs)
	}
	code, out, errs = runServer("migrate", "--store", db)
	want := "applied migration 1 (001_buckets_and_pairs.sql)\napplied migration 2 (002_lock_rows.sql)\n" +
		"applied migration 3 (003_points_ledger_rows.sql)\napplied migration 4 (004_identity_rows.sql)\n" +
		"applied migration 5 (005_vouchers.sql)\nschema at version 5\n"
	if code != 0 || out != want {
		t.Fatalf("first migrate: %d %q%s, want %q", code, out, errs, want)
	}
	code, out, errs = runServer("migrate", "--store", db)
	if code != 0 || out != "schema up to date (version 5)\n" {
		t.Fatalf("second migrate: %d %q%s", code, out, errs)
	}
	code, out, errs = runServer("migrate", "--status", "--store", db)
	if code != 0 || strings.Count(out, "applied") != 5 || strings.Contains(out, "pending") {
		t.Fatalf("--status after: %d %s%s", code, out, errs)
	}
}

// TestAdmin_BesideARunningServerOnBboltSaysWhatToDo: a bbolt file belongs to its running server; an admin command
// says so and what to do, within the open timeout, and changes nothing.
func TestAdmin_BesideARunningServerOnBboltSaysWhatToDo(t *testing.T) {
	testenv.BboltOnly(t, "the bbolt file's lock and admin socket")
	db := filepath.Join(t.TempDir(), "p.db")
	serveProcess(t, "--db", db)
	code, _, errs := runServer("admin", "stats", "--db", db)
	if code != 1 || !strings.Contains(errs, "a running mkpf-server") || !strings.Contains(errs, "Stop that server") ||
		!strings.Contains(errs, "--store postgres://") {
		t.Fatalf("admin on a served bbolt file: %d %s", code, errs)
	}
}

// TestServe_HotBackupOfABboltFileWhileServing: serve --backup-dir writes consistent copies while it serves; the
// newest, opened as a database (a restore), holds an enrollment made before it; old copies beyond --backup-keep go.
func TestServe_HotBackupOfABboltFileWhileServing(t *testing.T) {
	testenv.BboltOnly(t, "bbolt backup files")
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "p.db")
	bdir := filepath.Join(dir, "backups")
	if code, _, errs := runServer("serve", "--db", db, "--backup-dir", filepath.Join(dir, "data", "b")); code != 2 || !strings.Contains(errs, "another disk") {
		t.Fatalf("backups beside the database: %d %s", code, errs)
	}
	if code, _, errs := runServer("serve", "--store", "postgres://x@/y", "--backup-dir", bdir); code != 2 || !strings.Contains(errs, "pg_dump") {
		t.Fatalf("hot backup of PostgreSQL: %d %s", code, errs)
	}
	addr := freePort(t)
	cmd := exec.Command(os.Args[0], "serve", "--demo", "--addr", addr, "--db", db, "--backup-dir", bdir,
		"--backup-every", "1s", "--backup-keep", "2")
	cmd.Env = append(os.Environ(), "MKPF_SERVER_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := ""
	for i := 0; i < 600 && url == ""; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			url = "http://" + addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Enroll(ctx, url, "00052489", "8912k41a"); err != nil {
		t.Fatal(err)
	}
	enrolled := time.Now()
	var newest string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(bdir, backupPrefix+"*.db"))
		if len(files) > 2 {
			t.Fatalf("%d backups kept, want at most 2", len(files))
		}
		if len(files) > 0 {
			if fi, err := os.Stat(files[len(files)-1]); err == nil && fi.ModTime().After(enrolled.Add(time.Second)) {
				newest = files[len(files)-1]
				break
			}
		}
	}
	if newest == "" {
		t.Fatal("no backup written after the enrollment")
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	raw, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(restored, raw, 0o600)
	if out := mustAdmin(t, "stats", "--db", restored); !strings.Contains(out, "enrolled 1") {
		t.Fatalf("the restored backup: %s", out)
	}
}

// TestCopyStore_BboltTownToPostgreSQLAndBack: copy-store moves a seeded world (identity, ledger, sequences) from a
// bbolt file into an empty PostgreSQL database and back into a new file, pair for pair; a non-empty destination is
// refused.
func TestCopyStore_BboltTownToPostgreSQLAndBack(t *testing.T) {
	testenv.ChoosesItsStores(t, "a bbolt file and a PostgreSQL database")
	file := filepath.Join(t.TempDir(), "town.db")
	s, err := platform.Open(file, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	pg := testenv.PostgresURL(t)
	code, out, errs := runServer("copy-store", "--from", file, "--to", pg)
	if code != 0 || !strings.Contains(out, "copied") {
		t.Fatalf("copy-store: %d %s%s", code, out, errs)
	}
	if code, _, errs := runServer("copy-store", "--from", file, "--to", pg); code != 1 || !strings.Contains(errs, "not empty") {
		t.Fatalf("copy into a filled database: %d %s", code, errs)
	}
	back := filepath.Join(t.TempDir(), "back.db")
	if code, out, errs := runServer("copy-store", "--from", pg, "--to", back); code != 0 {
		t.Fatalf("copy-store back: %d %s%s", code, out, errs)
	}
	// The file and its copy back hold the same pairs, the ledger's movements and balances included: they went
	// through PostgreSQL's tables. PostgreSQL holds the same buckets but those (in its tables, checked by the audit).
	want := dumpStore(t, file, false)
	if got := dumpStore(t, back, false); got != want {
		t.Fatalf("the copy back differs from the bbolt town:\n%.2000s\nwant\n%.2000s", got, want)
	}
	if got, want := dumpStore(t, pg, true), dumpStore(t, file, true); got != want {
		t.Fatalf("PostgreSQL differs from the bbolt town:\n%.2000s\nwant\n%.2000s", got, want)
	}
	for _, store := range []string{pg, back} {
		s, err := platform.Open(store, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.AuditLedger()
		s.Close()
		if err != nil || !a.OK || a.Moves == 0 || a.Totals[platform.TotalGranted] == 0 {
			t.Fatalf("%s: audit %+v %v", platform.RedactStore(store), a, err)
		}
	}
}

// dumpStore is every pair and sequence of the platform's main buckets, as text; without the buckets that hold the
// ledger's and the identity's rows on bbolt (pt_moves, pt_balances, pt_by_terminal, pt_lots, issuers, patrons,
// serials, service_ids …: tables on PostgreSQL) when noRows.
func dumpStore(t *testing.T, store string, noRows bool) string {
	db, err := platform.OpenStoreDB(store)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	db.View(func(tx kv.Tx) error {
		names := []string{"meta", "municipalities", "issuers", "terminals", "patrons", "serials", "service_ids",
			"card_numbers", "card_validity", "revoked", "address_notices", "roots",
			"pt_moves", "pt_balances", "pt_keys", "pt_programs", "pt_by_terminal", "pt_lots", "pt_merge_seq"}
		if noRows {
			names = []string{"meta", "municipalities", "terminals", "roots", "pt_keys", "pt_programs", "pt_merge_seq"}
		}
		for _, name := range names {
			bu := tx.Bucket([]byte(name))
			if bu == nil {
				fmt.Fprintf(&b, "%s: missing\n", name)
				continue
			}
			fmt.Fprintf(&b, "%s seq %d keys %d\n", name, bu.Sequence(), bu.Stats().KeyN)
			bu.ForEach(func(k, v []byte) error {
				fmt.Fprintf(&b, "  %x=%x\n", k, v)
				return nil
			})
		}
		return nil
	})
	return b.String()
}
