package platform_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

func TestScreen10_ContactFieldRules(t *testing.T) { eachStore(t, testScreen10_ContactFieldRules) }

func testScreen10_ContactFieldRules(t *testing.T) {
	env := testenv.Platform(t)
	dt, _ := platform.DemoTerminalByID("00052489")
	c := env.Client(t)
	if _, err := c.Enroll(ctx(t), env.URL, dt.ID, dt.Password); err != nil {
		t.Fatal(err)
	}
	good := testenv.DemoContact(dt)
	cases := []struct {
		name  string
		edit  func(*mkpf.Contact)
		field string // "" = accepted
	}{
		{"valid", func(*mkpf.Contact) {}, ""},
		{"postal code without hyphen", func(c *mkpf.Contact) { c.PostalCode = "2108577" }, ""},
		{"location required", func(c *mkpf.Contact) { c.Location = " " }, "location"},
		{"name required", func(c *mkpf.Contact) { c.Name = "" }, "name"},
		{"person required", func(c *mkpf.Contact) { c.Person = "" }, "person"},
		{"organization required", func(c *mkpf.Contact) { c.Organization = "" }, "organization"},
		{"address required", func(c *mkpf.Contact) { c.Address = "" }, "address"},
		{"phone required", func(c *mkpf.Contact) { c.Phone = "" }, "phone"},
		{"phone digits", func(c *mkpf.Contact) { c.Phone = "電話" }, "phone"},
		{"postal code 3+4", func(c *mkpf.Contact) { c.PostalCode = "21-08577" }, "postal_code"},
		{"postal code digits", func(c *mkpf.Contact) { c.PostalCode = "abc-defg" }, "postal_code"},
		{"email required", func(c *mkpf.Contact) { c.Email = "" }, "email"},
		{"email form", func(c *mkpf.Contact) { c.Email, c.EmailConfirm = "counter", "counter" }, "email"},
		{"email twice and equal", func(c *mkpf.Contact) { c.EmailConfirm = "counter@example.com" }, "email_confirm"},
		{"issuer may be left out: the roster's fixed issuer applies", func(c *mkpf.Contact) { c.IssuerID = "" }, ""},
		{"issuer from the table", func(c *mkpf.Contact) { c.IssuerID = "999999" }, "issuer_id"},
		{"issuer of another municipality", func(c *mkpf.Contact) { c.IssuerID = platform.DemoForeignLibrary }, "issuer_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := good
			tc.edit(&ct)
			err := c.SetContact(ctx(t), ct)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			ae := apiErr(t, err)
			if ae.Code != mkpf.CodeValidation {
				t.Fatalf("code %s", ae.Code)
			}
			f := fieldsOf(ae)
			if f[tc.field] == "" || len(f) != 1 {
				t.Fatalf("want exactly field %s, got %v", tc.field, ae.Fields)
			}
		})
	}
	// Every rule at once: all required fields reported together.
	err := c.SetContact(ctx(t), mkpf.Contact{})
	if f := fieldsOf(apiErr(t, err)); len(f) != 9 {
		t.Fatalf("an empty form reports all 9 typed fields (the issuer is fixed by the roster), got %v", f)
	}
	// 連絡先の変更 reads back what was registered (postal code normalised).
	got, err := c.Contact(ctx(t))
	if err != nil || got.PostalCode != "210-8577" || got.Location != good.Location {
		t.Fatalf("contact read back: %+v %v", got, err)
	}
}

func TestScreen10_OtherKindsChooseNoIssuer(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052589")
	dt, _ := platform.DemoTerminalByID("00052589")
	ct := testenv.DemoContact(dt)
	ct.IssuerID = platform.DemoLibrary
	if f := fieldsOf(apiErr(t, c.SetContact(ctx(t), ct))); f["issuer_id"] == "" {
		t.Fatalf("a point-use terminal may not choose an issuer: %v", f)
	}
}

// Finding 1: a library terminal switched itself to the shopping street's issuer with one contact update and then
// read the patron's shop card number and MyKey ID. The issuer is the roster's (or an administrator's) now.
func TestScreen10_IssuerIsFixedByTheRosterNotByTheTerminal(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	dt, _ := platform.DemoTerminalByID("00052489")
	ct := testenv.DemoContact(dt)
	ct.IssuerID = platform.DemoShoppingStreet
	err := c.SetContact(ctx(t), ct)
	if ae := apiErr(t, err); ae.Code != mkpf.CodeIssuerFixed || fieldsOf(ae)["issuer_id"] == "" {
		t.Fatalf("a terminal changing its own issuer: want issuer_fixed on issuer_id, got %v", err)
	}
	res, err := c.Lookup(ctx(t), profile(t, "yamada").AuthCertDER)
	if err != nil || res.CardNumber != platform.DemoYamadaLibCard || res.MyKeyID != "" || res.IssuerID != platform.DemoLibrary {
		t.Fatalf("after the refused switch the library still sees the library card only: %+v %v", res, err)
	}
	// The administrator can move it (mkpf-server admin terminal set-issuer), and only within the municipality.
	if err := env.Server.SetTerminalIssuer("00052489", platform.DemoForeignLibrary); err == nil {
		t.Fatal("an issuer of another municipality was accepted")
	}
	if err := env.Server.SetTerminalIssuer("00052489", platform.DemoShoppingStreet); err != nil {
		t.Fatal(err)
	}
	res, err = c.Lookup(ctx(t), profile(t, "yamada").AuthCertDER)
	if err != nil || res.CardNumber != platform.DemoYamadaShopCard || res.MyKeyID != platform.DemoYamadaMyKeyID {
		t.Fatalf("after the admin's change: %+v %v", res, err)
	}
	got, err := c.Contact(ctx(t))
	if err != nil || got.IssuerID != platform.DemoShoppingStreet {
		t.Fatalf("the contact shows the fixed issuer: %+v %v", got, err)
	}
}

// otherCA makes a certificate that looks like the patron's but is signed by an untrusted CA.
func forgedCert(t testing.TB, like []byte, notAfter time.Time) []byte {
	t.Helper()
	orig, err := x509.ParseCertificate(like)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: demopki.AuthCA().Subject, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour * 24 * 365), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	leaf := &x509.Certificate{SerialNumber: orig.SerialNumber, Subject: orig.Subject, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestScreen26_LookupOutcomes(t *testing.T) { eachStore(t, testScreen26_LookupOutcomes) }

func testScreen26_LookupOutcomes(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	yamada := profile(t, "yamada")
	cases := []struct {
		name string
		der  []byte
		code string
		card string
	}{
		{"yamada", yamada.AuthCertDER, "", "180000000011"},
		{"suzuki has a MyKey ID but no service ID here", profile(t, "suzuki").AuthCertDER, mkpf.CodeNoServiceID, ""},
		{"tanaka has no MyKey ID", profile(t, "tanaka").AuthCertDER, mkpf.CodeUnknownCert, ""},
		{"expired certificate", profile(t, "expired").AuthCertDER, mkpf.CodeCertExpired, ""},
		{"revoked certificate", profile(t, "revoked").AuthCertDER, mkpf.CodeCertRevoked, ""},
		{"the signing certificate is not an auth certificate", yamada.SignCertDER, mkpf.CodeCertInvalid, ""},
		{"forged: same serial, untrusted CA", forgedCert(t, yamada.AuthCertDER, time.Now().Add(time.Hour)), mkpf.CodeCertInvalid, ""},
		{"forged and expired says invalid, not expired", forgedCert(t, yamada.AuthCertDER, time.Now().Add(-time.Minute)), mkpf.CodeCertInvalid, ""},
		{"garbage", []byte("not a certificate"), mkpf.CodeCertInvalid, ""},
		{"empty", nil, mkpf.CodeCertInvalid, ""},
		{"renewed card is linked through the renewal feed", profile(t, "renewed").AuthCertDER, "", "180000000011"},
		{"the old card still maps until J-LIS revokes it", yamada.AuthCertDER, "", "180000000011"},
	}
	for _, tc := range cases {
		res, err := c.Lookup(ctx(t), tc.der)
		if codeOf(err) != tc.code {
			t.Errorf("%s: want %q, got %v", tc.name, tc.code, err)
			continue
		}
		if err != nil {
			apiErr(t, err)
			continue
		}
		if res.CardNumber != tc.card {
			t.Errorf("%s: card %s", tc.name, res.CardNumber)
		}
	}
}

func TestScreen26_MyKeyIDOnlyWhereTheIssuerAllowsIt(t *testing.T) {
	eachStore(t, testScreen26_MyKeyIDOnlyWhereTheIssuerAllowsIt)
}

func testScreen26_MyKeyIDOnlyWhereTheIssuerAllowsIt(t *testing.T) {
	env := testenv.Platform(t)
	lib := env.Enrolled(t, "00052489")
	shop := env.Enrolled(t, "00052490")
	y := profile(t, "yamada").AuthCertDER
	r1, err := lib.Lookup(ctx(t), y)
	if err != nil || r1.MyKeyID != "" {
		t.Fatalf("library: %+v %v", r1, err)
	}
	r2, err := shop.Lookup(ctx(t), y)
	if err != nil || r2.MyKeyID != "MY123456" || r2.CardNumber != "520625" || r2.IssuerName != "ブレーメン商店街" {
		t.Fatalf("shop: %+v %v", r2, err)
	}
	show := true
	if err := env.Server.SetHandoff(platform.DemoLibrary, platform.DemoLibraryHandoff, &show); err != nil {
		t.Fatal(err)
	}
	if r, _ := lib.Lookup(ctx(t), y); r == nil || r.MyKeyID != "MY123456" {
		t.Fatalf("after allowing: %+v", r)
	}
}

func TestReference27_HandoffSettingsCardValidityAndAddressChange(t *testing.T) {
	eachStore(t, testReference27_HandoffSettingsCardValidityAndAddressChange)
}

func testReference27_HandoffSettingsCardValidityAndAddressChange(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	y := profile(t, "yamada")
	for _, mode := range []mkpf.HandoffMode{mkpf.HandoffBarcode, mkpf.HandoffWedge, mkpf.HandoffLabel, mkpf.HandoffNumber} {
		if err := env.Server.SetHandoffMode(platform.DemoLibrary, mode); err != nil {
			t.Fatal(err)
		}
		r, err := c.Lookup(ctx(t), y.AuthCertDER)
		if err != nil || r.Handoff.Mode != mode || r.Handoff.Symbology != mkpf.SymNW7 || r.Handoff.NW7Start != "A" || r.Handoff.CheckDigit != mkpf.CheckMod10W21 {
			t.Fatalf("mode %s: %+v %v", mode, r, err)
		}
	}
	if _, err := env.Server.ImportCardValidity(platform.DemoLibrary, strings.NewReader("card_number,status\n180000000011,stopped\n")); err != nil {
		t.Fatal(err)
	}
	r, _ := c.Lookup(ctx(t), y.AuthCertDER)
	if r.CardValid || r.CardStatus != "stopped" {
		t.Fatalf("stopped card: %+v", r)
	}
	// A new list replaces the old one.
	if _, err := env.Server.ImportCardValidity(platform.DemoLibrary, strings.NewReader("999,expired\n")); err != nil {
		t.Fatal(err)
	}
	if r, _ = c.Lookup(ctx(t), y.AuthCertDER); !r.CardValid || r.CardStatus != "valid" {
		t.Fatalf("valid again: %+v", r)
	}
	if r.AddressChanged {
		t.Fatal("no notice yet")
	}
	if err := env.Server.FeedAddressChange(y.SignSerial); err != nil {
		t.Fatal(err)
	}
	if r, _ = c.Lookup(ctx(t), y.AuthCertDER); !r.AddressChanged {
		t.Fatal("address-change notice for the registered signing serial must show")
	}
	// Another patron's notice does not leak to yamada's shop ID (no address notice asked there).
	shop := env.Enrolled(t, "00052490")
	if r, _ := shop.Lookup(ctx(t), y.AuthCertDER); r.AddressChanged {
		t.Fatal("the shop registration did not ask for the notice")
	}
}

func TestReference27_RenewalMovesTheSigningSerialToo(t *testing.T) {
	eachStore(t, testReference27_RenewalMovesTheSigningSerialToo)
}

func testReference27_RenewalMovesTheSigningSerialToo(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	renewed := profile(t, "renewed")
	if _, err := c.Lookup(ctx(t), renewed.AuthCertDER); err != nil {
		t.Fatal(err)
	}
	if err := env.Server.FeedAddressChange(renewed.SignSerial); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Lookup(ctx(t), renewed.AuthCertDER); r == nil || !r.AddressChanged {
		t.Fatalf("a notice for the renewed signing certificate must reach the patron: %+v", r)
	}
}

func TestScreen23_RegisterRules(t *testing.T) { eachStore(t, testScreen23_RegisterRules) }

func testScreen23_RegisterRules(t *testing.T) {
	env := testenv.Platform(t)
	lib := env.Enrolled(t, "00052489")
	shop := env.Enrolled(t, "00052490")
	suzuki, yamada, tanaka := profile(t, "suzuki"), profile(t, "yamada"), profile(t, "tanaka")

	res, err := lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "180000000099"})
	if err != nil || res.CardNumber != "180000000099" || res.IssuerName != "川崎市立図書館" || res.MyKeyID != "" || res.Unchanged {
		t.Fatalf("first registration: %+v %v", res, err)
	}
	if r, err := lib.Lookup(ctx(t), suzuki.AuthCertDER); err != nil || r.CardNumber != "180000000099" {
		t.Fatalf("lookup after registration: %+v %v", r, err)
	}
	res, err = lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "180000000099"})
	if err != nil || !res.Unchanged {
		t.Fatalf("same number again is idempotent: %+v %v", res, err)
	}
	_, err = lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "180000000011"})
	if codeOf(err) != mkpf.CodeNumberTaken {
		t.Fatalf("yamada's number for suzuki: %v", err)
	}
	_, err = lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: yamada.AuthCertDER, CardNumber: "180000000022"})
	if codeOf(err) != mkpf.CodeReplaceNeedsConfirm {
		t.Fatalf("a new number for the same issuer needs the explicit flag: %v", err)
	}
	res, err = lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: yamada.AuthCertDER, CardNumber: "180000000022", Replace: true})
	if err != nil || res.Replaced != "180000000011" {
		t.Fatalf("replace: %+v %v", res, err)
	}
	// The released number may now be given to someone else.
	if _, err := lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "180000000011", Replace: true}); err != nil {
		t.Fatalf("released number: %v", err)
	}
	// The same number at another issuer is a different service ID.
	if res, err := shop.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "180000000022"}); err != nil || res.MyKeyID != "KEY34567" {
		t.Fatalf("other issuer: %+v %v", res, err)
	}
	for _, tc := range []struct {
		name string
		req  mkpf.RegisterRequest
		code string
	}{
		{"no MyKey ID", mkpf.RegisterRequest{AuthCert: tanaka.AuthCertDER, CardNumber: "1"}, mkpf.CodeUnknownCert},
		{"empty number", mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: ""}, mkpf.CodeCardNumber},
		{"full-width number", mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "１８０"}, mkpf.CodeCardNumber},
		{"too long", mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: strings.Repeat("1", 33)}, mkpf.CodeCardNumber},
		{"address notice without signing cert", mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "5", AddressNotice: true}, mkpf.CodeSignCertNeeded},
		{"auth cert given as signing cert", mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "5", AddressNotice: true, SignCert: suzuki.AuthCertDER}, mkpf.CodeCertInvalid},
		{"revoked", mkpf.RegisterRequest{AuthCert: profile(t, "revoked").AuthCertDER, CardNumber: "5"}, mkpf.CodeCertRevoked},
		{"expired", mkpf.RegisterRequest{AuthCert: profile(t, "expired").AuthCertDER, CardNumber: "5"}, mkpf.CodeCertExpired},
	} {
		_, err := shop.RegisterServiceID(ctx(t), tc.req)
		if codeOf(err) != tc.code {
			t.Errorf("%s: want %s, got %v", tc.name, tc.code, err)
		} else {
			apiErr(t, err)
		}
	}
	// With the address notice: the signing serial is kept and notices reach the lookup.
	if _, err := shop.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "180000000022", AddressNotice: true, SignCert: suzuki.SignCertDER}); err != nil {
		t.Fatal(err)
	}
	env.Server.FeedAddressChange(suzuki.SignSerial)
	if r, _ := shop.Lookup(ctx(t), suzuki.AuthCertDER); r == nil || !r.AddressChanged {
		t.Fatalf("address notice: %+v", r)
	}
}

func TestIdempotency_SameKeyAppliesOnce(t *testing.T) {
	eachStore(t, testIdempotency_SameKeyAppliesOnce)
}

func testIdempotency_SameKeyAppliesOnce(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	suzuki := profile(t, "suzuki")
	req := mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "7001"}
	var a, b mkpf.RegisterResult
	if err := testenv.RawCall(ctx(t), c, "POST", "/v1/service-ids", req, &a, "key-1"); err != nil {
		t.Fatal(err)
	}
	if err := testenv.RawCall(ctx(t), c, "POST", "/v1/service-ids", req, &b, "key-1"); err != nil {
		t.Fatal(err)
	}
	if a != b || b.Unchanged {
		t.Fatalf("a retry with the same key gets the first answer: %+v vs %+v", a, b)
	}
	// A retry answers from the stored answer even if the certificate was revoked in between.
	if err := env.Server.Revoke(suzuki.Serial, "test"); err != nil {
		t.Fatal(err)
	}
	var r2 mkpf.RegisterResult
	if err := testenv.RawCall(ctx(t), c, "POST", "/v1/service-ids", req, &r2, "key-1"); err != nil || r2 != a {
		t.Fatalf("retry after revocation: %+v %v", r2, err)
	}
	req.CardNumber = "7002"
	err := testenv.RawCall(ctx(t), c, "POST", "/v1/service-ids", req, &b, "key-1")
	if codeOf(err) != mkpf.CodeIdemMismatch {
		t.Fatalf("same key, other request: %v", err)
	}
	// Keys are per terminal: another terminal's same key is its own (and suzuki's card is revoked now).
	other := env.Enrolled(t, "00052490")
	err = testenv.RawCall(ctx(t), other, "POST", "/v1/service-ids", mkpf.RegisterRequest{AuthCert: suzuki.AuthCertDER, CardNumber: "8001"}, &b, "key-1")
	if codeOf(err) != mkpf.CodeCertRevoked {
		t.Fatalf("other terminal: %+v %v", b, err)
	}
}

func TestAuthorisationMatrix_EveryEndpointEveryKind(t *testing.T) {
	eachStore(t, testAuthorisationMatrix_EveryEndpointEveryKind)
}

func testAuthorisationMatrix_EveryEndpointEveryKind(t *testing.T) {
	env := testenv.Platform(t)
	yamada := profile(t, "yamada")
	clients := map[string]*platformclient.Client{}
	for _, dt := range platform.DemoTerminals {
		c := env.Enrolled(t, dt.ID)
		clients[dt.ID] = c
		for _, ep := range endpoints {
			var in any
			switch ep.path {
			case "/v1/lookup":
				in = mkpf.LookupRequest{AuthCert: yamada.AuthCertDER}
			case "/v1/service-ids":
				in = mkpf.RegisterRequest{AuthCert: yamada.AuthCertDER, CardNumber: "M" + dt.ID}
			case "/v1/contact":
				if ep.method == "PUT" {
					in = testenv.DemoContact(dt)
				}
			}
			var out map[string]any
			var outList []any
			var target any = &out
			if ep.path == "/v1/issuers" {
				target = &outList
			}
			err := testenv.RawCall(ctx(t), c, ep.method, ep.path, in, target, "")
			allowed := !ep.serviceOnly || dt.Kind == mkpf.KindServiceID
			code := codeOf(err)
			switch {
			case !allowed && code != mkpf.CodeForbidden:
				t.Errorf("%s (%s) %s %s: want forbidden, got %v", dt.ID, dt.Kind, ep.method, ep.path, err)
			case allowed && code == mkpf.CodeForbidden:
				t.Errorf("%s (%s) %s %s: refused", dt.ID, dt.Kind, ep.method, ep.path)
			}
			if !allowed {
				continue
			}
			// What an allowed call may see: its own municipality and its own issuer only.
			switch ep.path {
			case "/v1/issuers":
				for _, x := range outList {
					if m := x.(map[string]any); m["municipality_code"] != dt.Municipality {
						t.Errorf("%s sees issuer %v of another municipality", dt.ID, m["id"])
					}
				}
				if len(outList) == 0 {
					t.Errorf("%s sees no issuers", dt.ID)
				}
			case "/v1/lookup":
				switch dt.IssuerID {
				case platform.DemoLibrary:
					if err != nil || out["card_number"] != "180000000011" {
						t.Errorf("%s lookup: %v %v", dt.ID, out, err)
					}
				case platform.DemoShoppingStreet:
					if err != nil || out["card_number"] != "520625" {
						t.Errorf("%s lookup: %v %v", dt.ID, out, err)
					}
				case platform.DemoForeignLibrary:
					if code != mkpf.CodeNoServiceID {
						t.Errorf("横浜市's terminal must not see 川崎市's card numbers: %v %v", out, err)
					}
				}
			case "/v1/service-ids":
				// yamada already has numbers at 000001 and 000002; the foreign library may register its own.
				want := mkpf.CodeReplaceNeedsConfirm
				if dt.IssuerID == platform.DemoForeignLibrary {
					want = ""
				}
				if code != want {
					t.Errorf("%s register: want %q got %v", dt.ID, want, err)
				}
			}
		}
	}
	// The foreign registration did not touch 川崎市's issuers.
	c := clients["00052489"]
	if r, err := c.Lookup(ctx(t), yamada.AuthCertDER); err != nil || r.CardNumber != "180000000011" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestAPI_DecodingRefusesBadBodies(t *testing.T) {
	env := testenv.Platform(t)
	for _, tc := range []struct {
		name string
		body []byte
		want int
	}{
		{"unknown field", []byte(`{"terminal_id":"00052489","bogus":1}`), 400},
		{"two values", []byte(`{"terminal_id":"00052489"}{}`), 400},
		{"not JSON", []byte(`terminal_id=1`), 400},
		{"too large", append([]byte(`{"terminal_id":"`), append(bytes.Repeat([]byte("1"), 2<<10), '"', '}')...), 413},
	} {
		resp, err := http.Post(env.URL+"/v1/auth/challenge", "application/json", bytes.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: HTTP %d want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	resp, _ := http.Get(env.URL + "/v1/nothing")
	if resp.StatusCode != 404 {
		t.Errorf("unknown route: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestAdmin_MunicipalityCodeCheckDigitAndIssuerValidation(t *testing.T) {
	env := testenv.Platform(t)
	s := env.Server
	if err := s.AddMunicipality("141304", "川崎市?"); err == nil {
		t.Fatal("wrong check digit accepted")
	}
	if err := s.AddMunicipality("131016", "千代田区"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		is mkpf.Issuer
		ok bool
	}{
		{mkpf.Issuer{ID: "000010", Name: "千代田区立図書館", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffNumber}}, true},
		{mkpf.Issuer{ID: "000011", Name: "x", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffBarcode, Symbology: mkpf.SymNW7, NW7Start: "A", NW7Stop: "B", CheckDigit: mkpf.Check7DSR}}, true},
		{mkpf.Issuer{ID: "000012", Name: "x", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffBarcode}}, false},                                      // no symbology
		{mkpf.Issuer{ID: "000013", Name: "x", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffLabel, Symbology: mkpf.SymNW7, NW7Start: "E"}}, false}, // bad start
		{mkpf.Issuer{ID: "000014", Name: "x", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: "fax"}}, false},
		{mkpf.Issuer{ID: "15", Name: "x", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffNumber}}, false},
		{mkpf.Issuer{ID: "000016", Name: "x", MunicipalityCode: "999999", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffNumber}}, false},
		{mkpf.Issuer{ID: "000017", Name: "x", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffNumber, CheckDigit: "luhn"}}, false},
	} {
		if err := s.PutIssuer(tc.is); (err == nil) != tc.ok {
			t.Errorf("issuer %s: err=%v want ok=%v", tc.is.ID, err, tc.ok)
		}
	}
}

func TestAdmin_MyKeyIDCreation(t *testing.T) { eachStore(t, testAdmin_MyKeyIDCreation) }

func testAdmin_MyKeyIDCreation(t *testing.T) {
	env := testenv.Platform(t)
	s := env.Server
	tanaka := profile(t, "tanaka")
	if _, err := s.CreateMyKeyID(tanaka.AuthCertDER, "MY123456"); err == nil {
		t.Fatal("duplicate chosen MyKey ID accepted")
	}
	if _, err := s.CreateMyKeyID(tanaka.AuthCertDER, "bad-id"); err == nil {
		t.Fatal("malformed MyKey ID accepted")
	}
	id, err := s.CreateMyKeyID(tanaka.AuthCertDER, "")
	if err != nil || mkpf.ValidateMyKeyID(id) != nil {
		t.Fatalf("generated %q %v", id, err)
	}
	if _, err := s.CreateMyKeyID(tanaka.AuthCertDER, ""); err == nil {
		t.Fatal("a second MyKey ID for the same certificate")
	}
	if _, err := s.CreateMyKeyID(profile(t, "expired").AuthCertDER, ""); err == nil {
		t.Fatal("MyKey ID for an expired certificate")
	}
	c := env.Enrolled(t, "00052489")
	if _, err := c.Lookup(ctx(t), tanaka.AuthCertDER); codeOf(err) != mkpf.CodeNoServiceID {
		t.Fatalf("tanaka now has a MyKey ID: %v", err)
	}
}

func TestAdmin_RosterIssuesUsableTerminals(t *testing.T) {
	env := testenv.Platform(t)
	rows, err := env.Server.IssueRoster(platform.DemoMunicipality, mkpf.KindVoucher, "", 3, "川崎商工会議所")
	if err != nil || len(rows) != 3 {
		t.Fatal(rows, err)
	}
	var buf bytes.Buffer
	if err := platform.WriteRosterCSV(&buf, "川崎市", rows); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeff自治体名,端末ID,端末パスワード,端末の種類") || !strings.Contains(out, "\r\n") ||
		!strings.Contains(out, rows[0].ID+","+rows[0].Password+",ポイント券発行端末") {
		t.Fatalf("様式II CSV:\n%s", out)
	}
	c := env.Client(t)
	ti, err := c.Enroll(ctx(t), env.URL, rows[1].ID, rows[1].Password)
	if err != nil || ti.Kind != mkpf.KindVoucher {
		t.Fatalf("enroll with a roster row: %+v %v", ti, err)
	}
}

func TestSeedDemo_IsIdempotentAndKeepsTheDemoSwitch(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetHandoffMode(platform.DemoLibrary, mkpf.HandoffLabel); err != nil {
		t.Fatal(err)
	}
	if err := env.Server.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	is, _ := env.Server.Issuer(platform.DemoLibrary)
	if is.Handoff.Mode != mkpf.HandoffLabel {
		t.Fatalf("seeding again reset the demo switch: %+v", is.Handoff)
	}
	st, _ := env.Server.Stats()
	if st.Terminals < len(platform.DemoTerminals) || st.MyKeyIDs != 3 || st.ServiceIDs != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSeedDemo_RefusesARealDatabase(t *testing.T) {
	s, err := platform.Open(testenv.Store(t), platform.Options{Argon2Time: 1, Argon2Memory: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddMunicipality("131016", "千代田区"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIssuer(mkpf.Issuer{ID: "000010", Name: "千代田区立図書館", MunicipalityCode: "131016", Handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffNumber}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SeedDemo(); !errors.Is(err, platform.ErrNotDemoDatabase) {
		t.Fatalf("demo mixed into a real database: %v", err)
	}
}

func TestOpen_RefusesADatabaseItCannotOpen(t *testing.T) {
	testenv.BboltOnly(t, "a file locked by its server, a file that is not bbolt")
	env := testenv.Platform(t)
	// Locked by the running server.
	_, err := platform.Open(env.DBPath, platform.Options{})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("locked db: %v", err)
	}
	// Not a bbolt file.
	bad := t.TempDir() + "/bad.db"
	writeFile(t, bad, bytes.Repeat([]byte("x"), 8192))
	if _, err := platform.Open(bad, platform.Options{}); err == nil {
		t.Fatal("garbage file accepted")
	}
	if _, err := platform.Open(t.TempDir(), platform.Options{}); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
}
