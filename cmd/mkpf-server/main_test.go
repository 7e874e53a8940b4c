package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

func runServer(args ...string) (int, string, string) {
	var o, e bytes.Buffer
	code := run(args, &o, &e)
	return code, o.String(), e.String()
}

func mustAdmin(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runServer(append([]string{"admin"}, args...)...)
	if code != 0 {
		t.Fatalf("admin %v: exit %d: %s%s", args, code, out, errs)
	}
	return out
}

// testStore is the store of a test whose subject is not the store: file (a bbolt file in the test's directory) on
// bbolt, a fresh PostgreSQL database in make test's MKPF_TEST_STORE=postgres pass (testenv.Store). serve and admin
// take either with --db.
func testStore(t *testing.T, file string) string {
	t.Helper()
	if testenv.StoreKind(t) == "postgres" {
		return testenv.Store(t)
	}
	return file
}

func writeTemp(t *testing.T, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAdmin_AMunicipalityRollOutFromTheCommandLine builds a world from nothing with admin commands only, as a
// municipality's IT admin would (server stopped, the database file operated directly), on a bbolt file (--db) and
// on PostgreSQL (--store).
func TestAdmin_AMunicipalityRollOutFromTheCommandLine(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T) {
		adminRollOut(t, map[string]string{"bbolt": "--db", "postgres": "--store"}[testenv.StoreKind(t)], testenv.Store(t))
	})
}

func adminRollOut(t *testing.T, dbFlag, db string) {
	if code, _, errs := runServer("admin", "municipality", "add", dbFlag, db, "--code", "141304", "--name", "川崎市"); code == 0 || !strings.Contains(errs, "check digit") {
		t.Fatalf("wrong check digit: %d %s", code, errs)
	}
	mustAdmin(t, "municipality", "add", dbFlag, db, "--code", "141305", "--name", "川崎市")
	mustAdmin(t, "issuer", "add", dbFlag, db, "--id", "000001", "--name", "川崎市立図書館", "--municipality", "141305",
		"--mode", "barcode", "--symbology", "nw7", "--nw7-start", "a", "--nw7-stop", "a", "--check-digit", "mod10w21")
	if code, _, _ := runServer("admin", "issuer", "add", dbFlag, db, "--id", "000002", "--name", "x", "--municipality", "141305", "--mode", "label"); code == 0 {
		t.Fatal("label mode without symbology accepted")
	}
	mustAdmin(t, "issuer", "set-handoff", dbFlag, db, "--id", "000001", "--mode", "wedge", "--show-mykey-id")
	out := mustAdmin(t, "issuer", "list", dbFlag, db)
	if !strings.Contains(out, "000001") || !strings.Contains(out, "wedge") || !strings.Contains(out, "nw7 A…A") ||
		!strings.Contains(out, "mod10w21") || !strings.Contains(out, "true") {
		t.Fatalf("issuer list (set-handoff keeps what it was not given):\n%s", out)
	}
	csv := mustAdmin(t, "roster", dbFlag, db, "--municipality", "141305", "--kind", "service_id", "--issuer", "000001", "--count", "3", "--location", "中原図書館")
	lines := strings.Split(strings.TrimSpace(csv), "\r\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "\ufeff自治体名,端末ID,端末パスワード") || !strings.Contains(lines[1], "川崎市,") || !strings.Contains(lines[1], "サービスID利用端末,中原図書館") {
		t.Fatalf("roster:\n%q", csv)
	}
	mustAdmin(t, "trust", "add", dbFlag, db, "--kind", "auth", "--ca", writeTemp(t, "ca.der", demopki.AuthCADER()))
	y, _ := demopki.Get("yamada")
	if id := strings.TrimSpace(mustAdmin(t, "mykeyid", "create", dbFlag, db, "--cert", writeTemp(t, "y.der", y.AuthCertDER), "--id", "MY123456")); id != "MY123456" {
		t.Fatalf("chosen MyKey ID: %q", id)
	}
	s, _ := demopki.Get("suzuki")
	if id := strings.TrimSpace(mustAdmin(t, "mykeyid", "create", dbFlag, db, "--cert", writeTemp(t, "s.der", s.AuthCertDER))); len(id) != 8 {
		t.Fatalf("generated MyKey ID: %q", id)
	}
	if code, _, _ := runServer("admin", "mykeyid", "create", dbFlag, db, "--cert", writeTemp(t, "t.der", y.AuthCertDER)); code == 0 {
		t.Fatal("second MyKey ID for the same certificate")
	}
	out = mustAdmin(t, "validity", "import", dbFlag, db, "--issuer", "000001", "--csv", writeTemp(t, "v.csv", []byte("card_number,status\n1,stopped\n2,expired\n3,valid\n")))
	if !strings.HasPrefix(out, "2 ") {
		t.Fatalf("validity import: %s", out)
	}
	mustAdmin(t, "feed", "renewal", dbFlag, db, "--old", "0abc", "--new", "DEF")
	mustAdmin(t, "feed", "address-change", dbFlag, db, "--sign-serial", y.SignSerial)
	mustAdmin(t, "revoke", dbFlag, db, "--serial", "ABC", "--reason", "lost")
	mustAdmin(t, "terminal", "add", dbFlag, db, "--id", "00052489", "--password", "8912k41a", "--kind", "service_id", "--municipality", "141305", "--issuer", "000001")
	mustAdmin(t, "terminal", "reset", dbFlag, db, "--id", "00052489")
	out = mustAdmin(t, "terminal", "list", dbFlag, db)
	if !strings.Contains(out, "00052489") {
		t.Fatalf("terminal list:\n%s", out)
	}
	out = mustAdmin(t, "stats", dbFlag, db)
	if !strings.Contains(out, "terminals 4") || !strings.Contains(out, "MyKey IDs 2") {
		t.Fatalf("stats: %s", out)
	}
}

func TestServe_RefusesADatabaseItCannotOpen(t *testing.T) {
	testenv.BboltOnly(t, "a file that is not bbolt, a directory, a file locked by its holder")
	dir := t.TempDir()
	bad := writeTemp(t, "bad.db", bytes.Repeat([]byte{0xAB}, 16384))
	code, _, errs := runServer("serve", "--addr", "127.0.0.1:0", "--db", bad)
	if code == 0 || !strings.Contains(errs, "cannot open database") {
		t.Fatalf("garbage db: %d %s", code, errs)
	}
	code, _, errs = runServer("serve", "--addr", "127.0.0.1:0", "--db", dir)
	if code == 0 || !strings.Contains(errs, "directory") {
		t.Fatalf("directory: %d %s", code, errs)
	}
	// Locked by another holder (a running server): the admin says so.
	db := filepath.Join(dir, "p.db")
	s, err := platform.Open(db, platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, _, errs = runServer("admin", "issuer", "list", "--db", db)
	if code == 0 || !strings.Contains(errs, "locked") {
		t.Fatalf("locked: %d %s", code, errs)
	}
	if code, _, _ := runServer("serve"); code != 2 {
		t.Fatal("serve without --db must be a usage error")
	}
}
