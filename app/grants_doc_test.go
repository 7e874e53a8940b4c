package app

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// docs/grants-app.md's screen table names each grant screen's keys: they are the key table's keys of that screen
// (F12, the window's メニューへ, and Enter, which confirms a text field, are said in the text; the menu 73 is checked
// by the key walk).
func TestGrantsAppDoc_KeysColumnMatchesTheKeyTable(t *testing.T) {
	raw, err := os.ReadFile("../docs/grants-app.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`^\| (6[4-6]|7[0-9]) [^|(\s][^|]*\|.*\| ([^|]*) \|$`) // a screen row, not the screenshots table
	key := regexp.MustCompile(`\b(F[0-9]+|Esc)\b`)
	seen := map[string]bool{}
	for _, l := range strings.Split(string(raw), "\n") {
		m := row.FindStringSubmatch(l)
		if m == nil || m[1] == "73" {
			continue
		}
		n := m[1]
		seen[n] = true
		doc := map[string]bool{}
		for _, k := range key.FindAllString(m[2], -1) {
			doc[k] = true
		}
		table := map[string]bool{}
		for _, k := range keyTable {
			if _, ok := k.on[n]; ok && k.name != "F12" && k.name != "Enter" {
				table[k.name] = true
			}
		}
		if got, want := keys(doc), keys(table); got != want {
			t.Errorf("screen %s: docs/grants-app.md names %s, the key table has %s", n, got, want)
		}
	}
	for _, n := range []string{"64", "65", "66", "71", "72", "74", "75", "76", "77", "78", "79"} {
		if !seen[n] {
			t.Errorf("screen %s has no row in docs/grants-app.md's screen table", n)
		}
	}
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
