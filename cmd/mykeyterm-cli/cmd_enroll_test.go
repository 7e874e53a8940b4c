package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// demoCertFile writes a demopki profile's auth certificate (DER) for --cert.
func demoCertFile(t *testing.T, profile string, sign bool) string {
	p, err := demopki.Get(profile)
	if err != nil {
		t.Fatal(err)
	}
	der := p.AuthCertDER
	if sign {
		der = p.SignCertDER
	}
	f := filepath.Join(t.TempDir(), profile+".der")
	if err := os.WriteFile(f, der, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

var contactArgs = []string{"contact", "set", "--location", "川崎市立中原図書館", "--name", "カウンター1", "--issuer", "川崎市立図書館",
	"--person", "川崎 花子", "--org", "川崎市立図書館", "--postal-code", "211-0004", "--address", "川崎市中原区新丸子東3-1100-12",
	"--phone", "044-722-4931", "--email", "lib@example.jp"}

// TestIssue3_DoneWhen is the issue's done-when path as commands: enroll → contact set → lookup --json (--cert).
func TestIssue3_DoneWhen(t *testing.T) {
	env := testenv.Platform(t)
	dir := t.TempDir()
	code, out, errs := runCLI("--data-dir", dir, "enroll", "--platform", env.URL, "--terminal-id", "00052489", "--password", "8912k41a")
	if code != 0 || !strings.Contains(out, "端末ID:00052489") {
		t.Fatalf("enroll: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI(append([]string{"--data-dir", dir}, contactArgs...)...)
	if code != 0 || !strings.Contains(out, "川崎市立図書館") {
		t.Fatalf("contact set: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("--data-dir", dir, "lookup", "--json", "--cert", demoCertFile(t, "yamada", false))
	if code != 0 {
		t.Fatalf("lookup: %d %s", code, errs)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for k, v := range map[string]any{"card_number": "180000000011", "issuer_name": "川崎市立図書館", "issuer_id": "000001",
		"handoff_mode": "number", "card_valid": true, "address_changed": false} {
		if res[k] != v {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
	if _, ok := res["mykey_id"]; ok {
		t.Error("mykey_id must be absent where the issuer does not allow it")
	}
	// Screen 23-24 as a command.
	code, out, errs = runCLI("--data-dir", dir, "service-id", "register", "--card-number", "180000000123", "--cert", demoCertFile(t, "suzuki", false), "--json")
	if code != 0 || !strings.Contains(out, `"card_number": "180000000123"`) {
		t.Fatalf("register: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("--data-dir", dir, "service-id", "register", "--card-number", "180000000124", "--cert", demoCertFile(t, "suzuki", false),
		"--address-notice", "--sign-cert", demoCertFile(t, "suzuki", true), "--replace")
	if code != 0 || !strings.Contains(out, "置き換え前の番号: 180000000123") {
		t.Fatalf("register with notice and replace: %d %s %s", code, out, errs)
	}
}

func TestCLI_FailuresAreJapaneseWithNonZeroExit(t *testing.T) {
	env := testenv.Platform(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lookup", "--cert", "/nonexistent"}, "登録されていません"},
		{[]string{"enroll", "--platform", env.URL, "--terminal-id", "00052489", "--password", "nope"}, "端末IDまたは端末パスワードが正しくありません"},
		{[]string{"enroll", "--platform", "http://127.0.0.1:1", "--terminal-id", "00052489", "--password", "8912k41a"}, "プラットフォームに接続できません"},
	} {
		code, _, errs := runCLI(append([]string{"--data-dir", dir}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d stderr %q", tc.args, code, errs)
		}
	}
	if code, _, errs := runCLI("--data-dir", dir, "enroll", "--platform", env.URL, "--terminal-id", "00052489", "--password", "8912k41a"); code != 0 {
		t.Fatal(errs)
	}
	// Screen 10 field errors: each field's message on stderr.
	code, _, errs := runCLI("--data-dir", dir, "contact", "set", "--location", "x", "--postal-code", "12-345", "--email", "a@b.jp", "--email-confirm", "b@b.jp")
	if code == 0 || !strings.Contains(errs, "postal_code: 郵便番号は3桁と4桁") || !strings.Contains(errs, "email_confirm:") || !strings.Contains(errs, "person: 担当者名を入力してください") {
		t.Fatalf("field errors: %d %s", code, errs)
	}
	code, _, errs = runCLI("--data-dir", dir, "lookup", "--cert", demoCertFile(t, "tanaka", false))
	if code == 0 || !strings.Contains(errs, "マイキーIDが設定されていません") {
		t.Fatalf("unknown cert: %d %s", code, errs)
	}
}

func TestCLI_LookupReadsTheCard(t *testing.T) {
	env := testenv.Platform(t)
	dir := t.TempDir()
	src := vcard.NewSource()
	src.Insert("yamada")
	withCardSource(t, src)
	if code, _, errs := runCLI("--data-dir", dir, "enroll", "--platform", env.URL, "--terminal-id", "00052490", "--password", "0t10d630"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := runCLI("--data-dir", dir, "lookup")
	if code != 0 || !strings.Contains(out, "利用カード番号: 520625") || !strings.Contains(out, "マイキーID: MY123456") {
		t.Fatalf("%d %s %s", code, out, errs)
	}
}

// TestIssue3_DoneWhen_VirtualCardThroughPCSC runs the lookup with the virtual card yamada in vpcd, read through the
// real pcscd exactly as a reader on a counter.
func TestIssue3_DoneWhen_VirtualCardThroughPCSC(t *testing.T) {
	pc := testenv.PCSCD(t)
	pc.InsertVirtual(t, "yamada", 0)
	env := testenv.Platform(t)
	dir := t.TempDir()
	if code, _, errs := runCLI("--data-dir", dir, "enroll", "--platform", env.URL, "--terminal-id", "00052489", "--password", "8912k41a"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(append([]string{"--data-dir", dir}, contactArgs...)...); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := runCLI("--data-dir", dir, "lookup", "--json", "--reader", pc.Reader(0))
	if code != 0 || !strings.Contains(out, `"card_number": "180000000011"`) || !strings.Contains(out, `"issuer_name": "川崎市立図書館"`) {
		t.Fatalf("%d %s %s", code, out, errs)
	}
}
