package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// `admin coupon issue` prints the partner's CSV: a BOM, a header, one distinct code a line.
func TestAdminCoupon_IssuePrintsTheCSVForThePartner(t *testing.T) {
	db := testStore(t, filepath.Join(t.TempDir(), "c.db"))
	out := mustAdmin(t, "coupon", "issue", "--db", db, "--partner", "みらい航空", "--points", "500", "--count", "3")
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(out, "\ufeff")), "\r\n")
	if !strings.HasPrefix(out, "\ufeff") || len(lines) != 4 || lines[0] != "協力会社,クーポンコード,ポイント" {
		t.Fatalf("CSV:\n%q", out)
	}
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 3 || f[0] != "みらい航空" || f[2] != "500" || len(f[1]) != 19 || seen[f[1]] {
			t.Fatalf("row %q", l)
		}
		seen[f[1]] = true
	}
	if code, _, stderr := runServer("admin", "coupon", "issue", "--db", db, "--partner", "みらい航空"); code == 0 || !strings.Contains(stderr, "--points") {
		t.Fatalf("without --points: exit %d %s", code, stderr)
	}
}
