package app

import (
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// Screen 79 lists the grants an upload refused so the staff can tell whose they were: the phone knows no names, so
// each is shown by the time its card was tapped, with the platform's reason; never by a bare GrantID.
func TestScreen79_RefusedGrantsAreListedByTheirTapTime(t *testing.T) {
	at := time.Date(2026, 12, 7, 1, 32, 15, 0, time.UTC) // 10:32:15 in Japan
	id := "0123456789abcdef0123456789abcdef"
	rep := &grant.UploadReport{Refused: []mkpf.GrantRefused{{GrantID: id, Code: mkpf.CodeBudgetExhausted, Message: "予算に達したため付与できません。"}}}
	taps := []grant.StoredGrant{{GrantUploadItem: mkpf.GrantUploadItem{GrantID: id, At: at}, State: grant.StateRefused}}
	got := refusedText(rep, taps)
	for _, want := range []string{"1件", "12月7日 10時32分15秒にかざしたカード", "予算に達したため付与できません。"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q in %q", want, got)
		}
	}
	if strings.Contains(got, id[:8]) {
		t.Errorf("the list shows the GrantID: %q", got)
	}
	if refusedText(&grant.UploadReport{}, nil) != "" {
		t.Error("an upload with nothing refused lists something")
	}
}
