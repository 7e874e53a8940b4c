package platform_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// signAs is what the card of profile p does on screen 15: it signs the desk's challenge for op with its
// user-authentication key (the same RSA PKCS#1 v1.5 SHA-256 signature as the card's).
func signAs(t *testing.T, p *demopki.Profile, terminalID, op string, challenge []byte) mkpf.CardSignature {
	t.Helper()
	d := sha256.Sum256(mkpf.MyKeySignedBytes(op, terminalID, challenge))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.AuthKey, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return mkpf.CardSignature{AuthCert: p.AuthCertDER, Challenge: challenge, Signature: sig}
}

func deskChallenge(t *testing.T, c *platformclient.Client, op string) []byte {
	t.Helper()
	ch, err := c.MyKeyChallenge(ctx(t), op)
	if err != nil {
		t.Fatal(err)
	}
	return ch.Challenge
}

// Screen 16 [登録] through real HTTP: a MyKey ID is made only with a fresh challenge of this desk, for this
// operation, signed by the key of the certificate it names; once; for a certificate that chains, is valid and not
// revoked; for a person who has none (a renewed card of a holder included); and only by a patron desk.
func TestSecurity_MyKeyIDCreateNeedsTheCardsOwnSignature(t *testing.T) {
	eachStore(t, testSecurity_MyKeyIDCreateNeedsTheCardsOwnSignature)
}

func testSecurity_MyKeyIDCreateNeedsTheCardsOwnSignature(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	shop := env.Enrolled(t, "00052589")
	lib := env.Enrolled(t, "00052489")
	tanaka, suzuki := profile(t, "tanaka"), profile(t, "suzuki")
	req := func(cs mkpf.CardSignature, id string) mkpf.MyKeyCreateRequest {
		return mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: id, Password: "tanaka2026", BaseMunicipality: platform.DemoMunicipality}
	}
	create := func(cs mkpf.CardSignature, id string) error {
		_, err := desk.CreateMyKeyID(ctx(t), req(cs, id))
		return err
	}
	if _, err := shop.Login(ctx(t), "00052589", "15ad3z09a"); err != nil {
		t.Fatal(err)
	}
	pointCh, err := shop.CardChallenge(ctx(t), mkpf.PresenceScope{Card: mkpf.CardDigest(tanaka.AuthCertDER), Operation: mkpf.PresenceUse, Points: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cs   mkpf.CardSignature
		want string
	}{
		{"no signature", mkpf.CardSignature{AuthCert: tanaka.AuthCertDER, Challenge: deskChallenge(t, desk, mkpf.MyKeyOpCreate)}, mkpf.CodeCardSignature},
		{"another card's key", func() mkpf.CardSignature {
			cs := signAs(t, suzuki, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
			cs.AuthCert = tanaka.AuthCertDER
			return cs
		}(), mkpf.CodeCardSignature},
		{"a login challenge", signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpLogin)), mkpf.CodeCardSignature},
		{"signed for login", signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpLogin, deskChallenge(t, desk, mkpf.MyKeyOpCreate)), mkpf.CodeCardSignature},
		{"a point terminal's presence challenge", signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, pointCh.Challenge), mkpf.CodeCardSignature},
		{"signed for another terminal", signAs(t, tanaka, "00052589", mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate)), mkpf.CodeCardSignature},
		{"revoked certificate", signAs(t, profile(t, "revoked"), platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate)), mkpf.CodeCertRevoked},
		{"expired certificate", signAs(t, profile(t, "expired"), platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate)), mkpf.CodeCertExpired},
		{"a holder's renewed card", signAs(t, profile(t, "renewed"), platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate)), mkpf.CodeHasMyKeyID},
	} {
		if err := create(tc.cs, "TANAKA01"); codeOf(err) != tc.want {
			t.Errorf("%s: want %s, got %v", tc.name, tc.want, err)
		}
	}
	good := signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if err := create(good, platform.DemoYamadaMyKeyID); codeOf(err) != mkpf.CodeMyKeyIDTaken {
		t.Fatalf("taken ID: %v", err)
	}
	// The taken ID used the challenge up: a new one is needed.
	if err := create(good, "TANAKA01"); codeOf(err) != mkpf.CodeCardSignature {
		t.Fatalf("challenge used twice: %v", err)
	}
	good = signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if _, err := lib.CreateMyKeyID(ctx(t), req(good, "TANAKA01")); codeOf(err) != mkpf.CodeForbidden {
		t.Fatalf("a library terminal: %v", err)
	}
	if _, err := lib.MyKeyChallenge(ctx(t), mkpf.MyKeyOpCreate); codeOf(err) != mkpf.CodeForbidden {
		t.Fatalf("a library terminal's challenge: %v", err)
	}
	if err := create(good, "TANAKA01"); err != nil {
		t.Fatalf("the card's own signature: %v", err)
	}
	if err := create(good, "TANAKA02"); codeOf(err) != mkpf.CodeCardSignature {
		t.Fatalf("the same signature again: %v", err)
	}
	again := signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	if err := create(again, "TANAKA02"); codeOf(err) != mkpf.CodeHasMyKeyID {
		t.Fatalf("one MyKey ID per person: %v", err)
	}
	if ae := apiErr(t, create(again, "TANAKA02")); ae.Code == mkpf.CodeHasMyKeyID {
		t.Fatalf("reused challenge after has_mykey_id: %s", ae.Code)
	}
	if res, err := lib.Lookup(ctx(t), tanaka.AuthCertDER); codeOf(err) != mkpf.CodeNoServiceID {
		t.Fatalf("the library now knows the MyKey ID (no card number yet): %+v %v", res, err)
	}
}

// Screen 16's fields are checked by the platform too, each with its message beside its field; nothing is made and
// the card's challenge stays unused (the patron fixes the field and presses [登録] again).
func TestScreen16_PlatformChecksTheFields(t *testing.T) {
	eachStore(t, testScreen16_PlatformChecksTheFields)
}

func testScreen16_PlatformChecksTheFields(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	tanaka := profile(t, "tanaka")
	cs := signAs(t, tanaka, platform.DemoPatronDesk, mkpf.MyKeyOpCreate, deskChallenge(t, desk, mkpf.MyKeyOpCreate))
	ok := mkpf.MyKeyCreateRequest{Card: cs, MyKeyID: "TANAKA01", Password: "tanaka2026", Email: "t@example.jp",
		Notices: []string{mkpf.NoticeKindMyKeyID}, BaseMunicipality: platform.DemoMunicipality}
	for _, tc := range []struct {
		name  string
		edit  func(r *mkpf.MyKeyCreateRequest)
		field string
	}{
		{"lower-case ID", func(r *mkpf.MyKeyCreateRequest) { r.MyKeyID = "tanaka01" }, "mykey_id"},
		{"short password", func(r *mkpf.MyKeyCreateRequest) { r.Password = "abc12" }, "password"},
		{"long password", func(r *mkpf.MyKeyCreateRequest) { r.Password = "abcdefgh123456789" }, "password"},
		{"symbol in password", func(r *mkpf.MyKeyCreateRequest) { r.Password = "tanaka-2026" }, "password"},
		{"bad e-mail", func(r *mkpf.MyKeyCreateRequest) { r.Email = "Tanaka <t@example.jp>" }, "email"},
		{"notices without e-mail", func(r *mkpf.MyKeyCreateRequest) { r.Email = "" }, "email"},
		{"a municipality without 自治体ポイント", func(r *mkpf.MyKeyCreateRequest) { r.BaseMunicipality = "131016" }, "base_municipality"},
		{"an event program", func(r *mkpf.MyKeyCreateRequest) { r.BaseMunicipality = platform.DemoProgramEvent }, "base_municipality"},
	} {
		r := ok
		tc.edit(&r)
		_, err := desk.CreateMyKeyID(ctx(t), r)
		if ae := apiErr(t, err); fieldsOf(ae)[tc.field] == "" {
			t.Errorf("%s: want a message for %s, got %s %v", tc.name, tc.field, ae.Code, ae.Fields)
		}
	}
	res, err := desk.CreateMyKeyID(ctx(t), ok)
	if err != nil || res.MyKeyID != "TANAKA01" {
		t.Fatalf("after the fixes: %+v %v", res, err)
	}
	if n, _ := env.Server.PendingNotices(); n != 1 {
		t.Fatalf("the registered notice: %d in the outbox", n)
	}
	ms, err := desk.PointMunicipalities(ctx(t))
	if err != nil || len(ms) != 2 || ms[0].Code != platform.DemoForeign || ms[1].Code != platform.DemoMunicipality || ms[1].Name != platform.DemoMunicipalityName {
		t.Fatalf("the 基本自治体ポイント口座 pull-down: %+v %v", ms, err)
	}
}

// Typed candidates that turn out taken are counted per desk: the check cannot list the MyKey IDs that exist.
func TestSecurity_CandidateChecksThrottled(t *testing.T) {
	env := testenv.Platform(t)
	desk := env.Enrolled(t, platform.DemoPatronDesk)
	for i := 0; i < platform.CandidateCheckLimit; i++ {
		res, err := desk.MyKeyCandidate(ctx(t), platform.DemoYamadaMyKeyID, false)
		if err != nil || res.Free {
			t.Fatalf("check %d: %+v %v", i, res, err)
		}
		if i%10 == 0 { // a free one between does not count
			if res, err := desk.MyKeyCandidate(ctx(t), "FREE0001", false); err != nil || !res.Free {
				t.Fatalf("free candidate: %+v %v", res, err)
			}
		}
	}
	if _, err := desk.MyKeyCandidate(ctx(t), "FREE0001", false); codeOf(err) != mkpf.CodeThrottled {
		t.Fatalf("after %d taken: %v", platform.CandidateCheckLimit, err)
	}
	if res, err := desk.MyKeyCandidate(ctx(t), "", true); err != nil || !res.Free || mkpf.ValidateMyKeyID(res.ID) != nil {
		t.Fatalf("自動生成 is not a guess: %+v %v", res, err)
	}
}
