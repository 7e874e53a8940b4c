package app

import (
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/platform"
)

// Screen 10 over the real platform: the ID issuer is the one the municipality fixed (`admin terminal set-issuer`),
// shown as text; the contact is saved without touching it, and a change by the administrator shows on 連絡先の変更.
func TestScreen10_ShowsTheFixedIssuerOnRealPlatform(t *testing.T) {
	h, _, env := realHarness(t)
	c := env.Enrolled(t, "00052489")
	h.u.Svc.Platform = c
	h.u.Svc.Settings = &ClientSettings{C: c}
	h.locked(func() { h.u.toContact(false) })
	h.u.Wait()
	s10 := screenAs[*screen10](t, h.u)
	if s10.issuer.Text != "川崎市立図書館" {
		t.Errorf("issuer shown %q, want 川崎市立図書館 as text", s10.issuer.Text)
	}
	s10.location.SetText("中央図書館")
	s10.name.SetText("貸出カウンター1")
	s10.person.SetText("川崎花子")
	s10.org.SetText("川崎市教育委員会")
	s10.zip1.SetText("210")
	s10.zip2.SetText("0011")
	s10.address.SetText("川崎市川崎区富士見2-1-4")
	s10.phone.SetText("044-233-6341")
	s10.email.SetText("lib@example.jp")
	s10.emailConfirm.SetText("lib@example.jp")
	h.tap(s10.register)
	screenAs[*screen22](t, h.u)

	// The municipality moves the terminal to another of its issuers: 連絡先の変更 shows the platform's record.
	if err := env.Server.SetTerminalIssuer("00052489", platform.DemoShoppingStreet); err != nil {
		t.Fatal(err)
	}
	h.locked(func() { h.u.toContact(true) })
	h.u.Wait()
	s10 = screenAs[*screen10](t, h.u)
	if s10.issuer.Text != "ブレーメン商店街" {
		t.Errorf("after set-issuer: issuer shown %q, want ブレーメン商店街", s10.issuer.Text)
	}
	s10.emailConfirm.SetText("lib@example.jp")
	h.tap(s10.register) // saving the contact keeps the fixed issuer (no issuer_fixed refusal)
	screenAs[*screen22](t, h.u)
	if h.u.LastError() != "" && !strings.Contains(h.u.LastError(), "変更") {
		t.Errorf("contact change: %q", h.u.LastError())
	}
	got, err := c.Contact(t.Context())
	if err != nil || got.IssuerID != platform.DemoShoppingStreet {
		t.Errorf("contact after the change: %+v %v", got, err)
	}
}

// A service-ID terminal whose issuer is not set yet says so, with what to do.
func TestScreen10_IssuerNotSetSaysWhoSetsIt(t *testing.T) {
	p := newFakePlatform()
	p.enrolled, p.term = true, demoTerminal()
	p.term.IssuerID, p.term.IssuerName = "", ""
	h := newHarness(t, p)
	s10 := screenAs[*screen10](t, h.u)
	if !strings.Contains(s10.issuer.Text, "未設定") || !strings.Contains(s10.issuer.Text, "自治体") {
		t.Errorf("unset issuer shown as %q", s10.issuer.Text)
	}
}
