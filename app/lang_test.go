package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every text of these screens has its English translation (Japanese is the default written in the code).
func TestTranslations_EveryKeyHasEnglish(t *testing.T) {
	raw, err := os.ReadFile("translations/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var en map[string]string
	if err := json.Unmarshal(raw, &en); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\btr\("([^"]+)"`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, m := range re.FindAllSubmatch(src, -1) {
			n++
			if en[string(m[1])] == "" {
				t.Errorf("%s: key %q has no English in translations/en.json", f, m[1])
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d tr() calls", n)
	}
}

func TestSetLanguage_EnglishThroughFyneLang(t *testing.T) {
	t.Cleanup(func() { english = false })
	if got := tr("screen22.title", "メニュー"); got != "メニュー" {
		t.Fatalf("default %q", got)
	}
	if err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	if got := tr("screen22.title", "メニュー"); got != "Menu" {
		t.Errorf("English %q", got)
	}
	if err := SetLanguage("ja"); err != nil {
		t.Fatal(err)
	}
	if got := tr("screen22.title", "メニュー"); got != "メニュー" {
		t.Errorf("back to Japanese %q", got)
	}
}
