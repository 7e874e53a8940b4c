package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
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
	// The clerk messages of the terminal layer's input checks (terminal.InputError keys) are translated too.
	ie := regexp.MustCompile(`InputError\{Key: "([^"]+)"`)
	terminalFiles, _ := filepath.Glob("../terminal/*.go")
	keys := 0
	for _, f := range terminalFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		for _, m := range ie.FindAllSubmatch(src, -1) {
			keys++
			if en[string(m[1])] == "" {
				t.Errorf("%s: input-error key %q has no English in translations/en.json", f, m[1])
			}
		}
	}
	if keys < 10 {
		t.Fatalf("found only %d terminal.InputError keys", keys)
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

// Fyne's own dialogs (screen 87's save dialog, confirmations) speak Japanese: translations/ja.json translates every
// string Fyne 2.7.1's dialogs and text fields ask lang for (the favourites' folder names Home, Documents … are not
// translatable in Fyne 2.7.1).
func TestTranslations_FyneDialogsInJapanese(t *testing.T) {
	raw, err := os.ReadFile("translations/ja.json")
	if err != nil {
		t.Fatal(err)
	}
	var ja map[string]any
	if err := json.Unmarshal(raw, &ja); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"(Parent)", "Advanced", "Cancel", "Confirm", "Copy", "Create Folder", "Cut", "Enter filename",
		"Error", "File", "Folder", "New Folder", "No", "OK", "Open", "Paste", "Redo", "Save", "Select all",
		"Show Hidden Files", "Undo", "Yes", "file.name", "file.parent"} {
		v, ok := ja[k]
		if !ok {
			t.Errorf("ja.json has no %q", k)
			continue
		}
		if s, ok := v.(string); ok && s == k && k != "OK" {
			t.Errorf("ja.json leaves %q in English", k)
		}
	}
}

// Screen 87's save dialog, opened as the app opens it, shows Fyne's buttons in Japanese.
func TestScreen87_SaveDialogInJapanese(t *testing.T) {
	if err := SetLanguage("ja"); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, enrolledFake())
	var texts []string
	h.locked(func() {
		d := dialog.NewFileSave(func(fyne.URIWriteCloser, error) {}, h.w)
		d.Show()
		for _, o := range h.w.Canvas().Overlays().List() {
			for _, x := range visibleObjects(o) {
				switch w := x.(type) {
				case *widget.Button:
					texts = append(texts, w.Text)
				case *widget.Entry:
					texts = append(texts, w.PlaceHolder)
				}
			}
		}
		d.Hide()
	})
	got := strings.Join(texts, "|")
	for _, want := range []string{"保存", "キャンセル", "ファイル名を入力"} {
		if !strings.Contains(got, want) {
			t.Errorf("save dialog shows %q, want %q", got, want)
		}
	}
	for _, en := range []string{"Save", "Cancel", "Create Folder", "Enter filename"} {
		if strings.Contains(got, en) {
			t.Errorf("save dialog shows %q in English: %q", en, got)
		}
	}
}
