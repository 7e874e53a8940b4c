package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// FuzzStrictJSON feeds the request decoder's strict check with bodies built around duplicate and case-folded keys:
// it must never panic, must refuse every body whose objects repeat a key (in any case) or spell a field in another
// case, and must accept what encoding/json itself writes.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{"points":1,"points":999}`, `{"POINTS":1}`, `{"points":1,"Points":2}`, `{"auth_cert":"AA==","points":5}`,
		`{"patron":{"a":1,"a":2}}`, `[{"points":1},{"points":1}]`, `{"program_id":"x","Program_Id":"y"}`, `{}`, `{"a":{}}`,
		`{"points":1}{"points":2}`, `{"points":`, `"x"`, `{"\u0070oints":1,"points":2}`, `{"\u017fession":"a"}`,
		`{"a":"\\"}`, `{"a":"\\\"","points":1,"points":2}`, `{"a":"x\\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v mkpf.UseRequest
		err := checkStrictJSON([]byte(body), &v)
		dup := hasDuplicateKey(body)
		if dup && err == nil {
			t.Fatalf("duplicate keys accepted: %s", body)
		}
		// Whatever the check accepts, encoding/json decodes to the same value as a decoder that would keep the first
		// of duplicate keys would: with no duplicates, the two agree by construction; here it is enough that
		// the strict check passes json.Marshal's own output.
		if err == nil {
			var w mkpf.UseRequest
			if json.Unmarshal([]byte(body), &w) == nil {
				out, _ := json.Marshal(w)
				if err := checkStrictJSON(out, &w); err != nil {
					t.Fatalf("encoding/json's own output %s refused: %v", out, err)
				}
			}
		}
	})
}

// hasDuplicateKey reports whether some object of a syntactically valid JSON text repeats a key (case-folded). It
// decodes into generic maps object by object (an independent implementation of the rule).
func hasDuplicateKey(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	var walk func() (bool, bool) // dup, ok
	walk = func() (bool, bool) {
		tok, err := dec.Token()
		if err != nil {
			return false, false
		}
		d, isDelim := tok.(json.Delim)
		if !isDelim {
			return false, true
		}
		switch d {
		case '{':
			var seen []string
			dup := false
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return false, false
				}
				k := kt.(string)
				for _, o := range seen { // equal when case is ignored the way encoding/json matches names
					dup = dup || strings.EqualFold(o, k)
				}
				seen = append(seen, k)
				d2, ok := walk()
				if !ok {
					return false, false
				}
				dup = dup || d2
			}
			if _, err := dec.Token(); err != nil {
				return false, false
			}
			return dup, true
		case '[':
			dup := false
			for dec.More() {
				d2, ok := walk()
				if !ok {
					return false, false
				}
				dup = dup || d2
			}
			if _, err := dec.Token(); err != nil {
				return false, false
			}
			return dup, true
		}
		return false, false
	}
	dup, ok := walk()
	return ok && dup
}
