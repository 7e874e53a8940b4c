package terminal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func deskCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// Screen 16's candidate rules against the real platform: 自動生成 three times, the third value fixed; a typed candidate
// with two duplicates then a free one; three duplicates switch to 自動生成.
func TestScreen16_CandidateRules(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	ctx := deskCtx(t)

	var auto terminal.Candidates
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		id, err := auto.Auto(ctx, desk)
		if err != nil || id == "" || seen[id] {
			t.Fatalf("自動生成 %d: %q %v", i, id, err)
		}
		seen[id] = true
		if auto.Fixed() != (i == 3) || !auto.Ready() {
			t.Fatalf("after %d: fixed %v ready %v", i, auto.Fixed(), auto.Ready())
		}
	}
	third := auto.ID
	if _, err := auto.Auto(ctx, desk); err != terminal.ErrCandidateFixed || auto.ID != third {
		t.Fatalf("a fourth 自動生成: %v %q", err, auto.ID)
	}
	if err := auto.Check(ctx, desk, "TANAKA01"); err != terminal.ErrCandidateFixed || auto.ID != third {
		t.Fatalf("typing after the third: %v %q", err, auto.ID)
	}

	var typed terminal.Candidates
	if err := typed.Check(ctx, desk, "tanaka01"); err != terminal.ErrCandidateFormat {
		t.Fatalf("lower case: %v", err)
	}
	for i, id := range []string{platform.DemoYamadaMyKeyID, platform.DemoSuzukiMyKeyID} {
		if err := typed.Check(ctx, desk, id); !terminal.IsCandidateTaken(err) || typed.Dups != i+1 || typed.Ready() {
			t.Fatalf("duplicate %d: %v ready %v", i+1, err, typed.Ready())
		}
	}
	if err := typed.Check(ctx, desk, "ＴＡＮＡＫＡ０１"); err != nil || typed.ID != "TANAKA01" || !typed.Ready() || typed.Switched {
		t.Fatalf("a free one (full-width typed): %v %+v", err, typed)
	}
	typed.Typed("TANAKA02")
	if typed.Ready() {
		t.Fatal("a changed candidate must be checked again")
	}

	var dup terminal.Candidates
	for _, id := range []string{platform.DemoYamadaMyKeyID, platform.DemoSuzukiMyKeyID, platform.DemoRevokedMyKeyID} {
		dup.Check(ctx, desk, id)
	}
	if !dup.Switched || dup.Autos != 1 || !dup.Ready() || seen[dup.ID] || dup.ID == platform.DemoRevokedMyKeyID {
		t.Fatalf("three duplicates switch to 自動生成: %+v", dup)
	}
}

// Screen 16's own checks before anything is sent.
func TestScreen16_FormRules(t *testing.T) {
	good := terminal.MyPageForm{Password: "abc123", PasswordConfirm: "abc123", Email: "a@example.jp", EmailConfirm: "a@example.jp", Notices: []string{"grant"}}
	if err := terminal.CheckMyPageForm(good); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(f *terminal.MyPageForm){
		"short": func(f *terminal.MyPageForm) { f.Password, f.PasswordConfirm = "abc12", "abc12" },
		"17":    func(f *terminal.MyPageForm) { f.Password, f.PasswordConfirm = "abcdefghij1234567", "abcdefghij1234567" },
		"full-width": func(f *terminal.MyPageForm) {
			f.Password, f.PasswordConfirm = "ａｂｃ１２３", "ａｂｃ１２３"
		},
		"mismatch":     func(f *terminal.MyPageForm) { f.PasswordConfirm = "abc124" },
		"mail differs": func(f *terminal.MyPageForm) { f.EmailConfirm = "b@example.jp" },
		"no mail":      func(f *terminal.MyPageForm) { f.Email, f.EmailConfirm = "", "" },
	} {
		f := good
		edit(&f)
		var ie *terminal.InputError
		if err := terminal.CheckMyPageForm(f); !errors.As(err, &ie) || ie.Key == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
