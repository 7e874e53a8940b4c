package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

func TestAdminPoints_ProgramsGrantsMergeSetupAndAudit(t *testing.T) {
	db := testStore(t, filepath.Join(t.TempDir(), "p.db"))
	mustAdmin(t, "points", "program", "--db", db, "--id", "141305-jichitai", "--kind", "municipal", "--municipality", "141305",
		"--name", "川崎市 自治体ポイント", "--expiry-months", "24")
	mustAdmin(t, "points", "program", "--db", db, "--id", "141305-event", "--kind", "event", "--municipality", "141305",
		"--name", "イベント", "--valid-from", "2026-01-01", "--valid-to", "2026-12-31")
	var ps []mkpf.Program
	if err := json.Unmarshal([]byte(mustAdmin(t, "points", "programs", "--db", db)), &ps); err != nil || len(ps) != 2 || ps[1].ExpiryMonths != 24 {
		t.Fatalf("programs %+v %v", ps, err)
	}
	for _, bad := range [][]string{
		{"points", "program", "--db", db, "--id", "x", "--kind", "municipal", "--municipality", "141304", "--name", "bad check digit"},
		{"points", "program", "--db", db, "--id", "y", "--kind", "bonus", "--municipality", "141305", "--name", "bad kind"},
		{"points", "grant", "--db", db, "--mykey-id", "NOBODY00", "--program", "141305-jichitai", "--points", "5"},
		{"points", "grant", "--db", db, "--mykey-id", "NOBODY00", "--program", "141305-jichitai", "--points", "-5"},
		{"points", "merge-config", "--db", db, "--issuer", "999999", "--key", "000102030405060708090a0b0c0d0e0f", "--secret", "s"},
		{"points", "merge-config", "--db", db, "--issuer", "999999", "--key", "0001", "--secret", "s"},
	} {
		if code, _, stderr := runServer(append([]string{"admin"}, bad...)...); code == 0 || stderr == "" {
			t.Errorf("%s: exit %d, stderr %q", strings.Join(bad, " "), code, stderr)
		}
	}
	if out := mustAdmin(t, "points", "audit", "--db", db); !strings.Contains(out, `"ok": true`) {
		t.Fatalf("audit: %s", out)
	}
	if out := mustAdmin(t, "points", "lapse", "--db", db); !strings.Contains(out, "0 vouchers lapsed, 0 points expired") {
		t.Fatalf("lapse: %s", out)
	}
}
