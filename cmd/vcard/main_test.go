package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
)

func TestProfilesJSON_ListsEveryProfileWithItsUppercaseSerial(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"profiles", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var list []profileJSON
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != len(demopki.Profiles()) {
		t.Fatalf("%d profiles", len(list))
	}
	hex := regexp.MustCompile(`^[0-9A-F]+$`)
	for _, p := range list {
		want, _ := demopki.Get(p.Name)
		if p.Kind != want.Kind || p.Serial != want.Serial || (p.Kind == "jpki" && !hex.MatchString(p.Serial)) {
			t.Errorf("%+v", p)
		}
	}
}

func TestInsert_RefusesAnUnknownProfile(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"insert", "--profile", "nobody"}, &out, &errb); code == 0 || out.Len() != 0 {
		t.Fatalf("exit %d out %q", code, out.String())
	}
}
