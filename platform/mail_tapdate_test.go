package platform_test

import (
	"context"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// A grant notice's 付与日 is the day the card was tapped on the phone, not the day the phone uploaded; the tap time
// the phone sends is bounded (not after the upload, not before the sync whose roster matched the card). The notice
// comes from 自治体ポイント管理クラウド, as the documents word it. Through the real aiosmtpd harness.
func TestMail_GrantNoticeSaysTheDayOfTheTapFromTheCloud(t *testing.T) {
	w := newPointsWorld(t)
	smtp := testenv.SMTP(t)
	startMailer(t, w.srv, smtp)
	ctx := context.Background()
	phone := w.grantTerminal("00053062")
	yamada := profile(t, "yamada").Serial
	jst := time.FixedZone("JST", 9*3600)
	day := func(t time.Time) string { return t.In(jst).Format("2006年1月2日") }

	// One project per case, each with yamada on its roster, synced now.
	cases := []struct {
		name string
		at   func(syncAt, upload time.Time) time.Time
		want func(syncAt, tapAt, upload time.Time) time.Time
	}{
		{"タップ日の事業", func(s, _ time.Time) time.Time { return s.Add(time.Hour) }, func(_, tap, _ time.Time) time.Time { return tap }},
		{"未来の時刻の事業", func(_, u time.Time) time.Time { return u.Add(30 * 24 * time.Hour) }, func(_, _, u time.Time) time.Time { return u }},
		{"同期前の時刻の事業", func(s, _ time.Time) time.Time { return s.Add(-10 * 24 * time.Hour) }, func(s, _, _ time.Time) time.Time { return s }},
	}
	syncs := make([]*mkpf.GrantSync, len(cases))
	for i, c := range cases {
		id, err := w.srv.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: c.name, PointsPerPerson: 10, Budget: 10, ProgramID: platform.DemoProgramMunicipal})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.srv.AddParticipants(id, []string{platform.DemoYamadaMyKeyID}); err != nil {
			t.Fatal(err)
		}
		if syncs[i], err = phone.SyncGrantRoster(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	syncAt := w.clk.Now()
	upload := syncAt.Add(3 * 24 * time.Hour) // the staff upload three days after the event
	w.clk.Add(upload.Sub(syncAt))
	want := map[string]string{}
	var items []mkpf.GrantUploadItem
	for i, c := range cases {
		it := tap(syncs[i], yamada)
		it.At = c.at(syncAt, upload)
		items = append(items, it)
		want[c.name] = day(c.want(syncAt, it.At, upload))
	}
	if res, err := phone.UploadGrants(ctx, items); err != nil || len(res.Accepted) != len(items) {
		t.Fatalf("upload %+v %v", res, err)
	}
	if want["タップ日の事業"] == day(upload) {
		t.Fatal("the test's tap day and upload day are the same day")
	}
	ms := smtp.WaitMessages(t, len(cases), mailWait)
	from, err := new(mime.WordDecoder).DecodeHeader(ms[0].From)
	if err != nil || !strings.Contains(from, "自治体ポイント管理クラウド") {
		t.Errorf("From: %q (%v), want the sender named 自治体ポイント管理クラウド", from, err)
	}
	seen := 0
	for _, m := range ms {
		if !strings.HasPrefix(m.Body, "自治体ポイント管理クラウドからのお知らせです。") || strings.Contains(m.Body, "マイキープラットフォームから") {
			t.Errorf("the notice does not come from 自治体ポイント管理クラウド:\n%s", m.Body)
		}
		for name, d := range want {
			if strings.Contains(m.Body, name) {
				seen++
				if !strings.Contains(m.Body, "付与日："+d) {
					t.Errorf("%s: want 付与日：%s in\n%s", name, d, m.Body)
				}
			}
		}
	}
	if seen != len(cases) {
		t.Fatalf("%d of %d notices found", seen, len(cases))
	}
	waitNoPending(t, w.srv)
}
