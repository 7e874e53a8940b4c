package platform_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

func TestDoneWhen_EnrollContactLookupYamada(t *testing.T) {
	eachStore(t, testDoneWhen_EnrollContactLookupYamada)
}

func testDoneWhen_EnrollContactLookupYamada(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	res, err := c.Lookup(ctx(t), profile(t, "yamada").AuthCertDER)
	if err != nil {
		t.Fatal(err)
	}
	if res.CardNumber != "180000000011" || res.IssuerName != "川崎市立図書館" || res.IssuerID != "000001" {
		t.Fatalf("got %+v", res)
	}
	if res.MyKeyID != "" {
		t.Errorf("川崎市立図書館 does not show the MyKey ID, got %q", res.MyKeyID)
	}
	if res.Handoff.Mode != mkpf.HandoffNumber || !res.CardValid || res.AddressChanged {
		t.Errorf("hand-off/validity/address: %+v", res)
	}
}

func TestScreen9_EnrollBindsTheTerminalIDToOneDevice(t *testing.T) {
	env := testenv.Platform(t)
	first := env.Client(t)
	ti, err := first.Enroll(ctx(t), env.URL, "00052489", "8912k41a")
	if err != nil {
		t.Fatal(err)
	}
	if ti.Kind != mkpf.KindServiceID || ti.MunicipalityCode != "141305" || ti.MunicipalityName != "川崎市" || ti.IssuerID != "000001" {
		t.Fatalf("terminal info %+v", ti)
	}
	if !first.Enrolled() || first.Terminal().TerminalID != "00052489" {
		t.Fatal("the client does not remember its enrollment")
	}
	// Same device again: harmless.
	if _, err := first.Enroll(ctx(t), env.URL, "00052489", "8912k41a"); err != nil {
		t.Fatalf("re-enrolling from the same device: %v", err)
	}
	// Another device with the right password: refused until an admin reset.
	second := env.Client(t)
	_, err = second.Enroll(ctx(t), env.URL, "00052489", "8912k41a")
	if codeOf(err) != mkpf.CodeAlreadyEnrolled {
		t.Fatalf("second device: want already_enrolled, got %v", err)
	}
	apiErr(t, err)
	newPW, err := env.Server.ResetTerminal("00052489")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Enroll(ctx(t), env.URL, "00052489", "8912k41a"); codeOf(err) != mkpf.CodeBadCredentials {
		t.Fatalf("after the admin reset the old password must not work: %v", err)
	}
	if _, err := second.Enroll(ctx(t), env.URL, "00052489", newPW); err != nil {
		t.Fatalf("after the admin reset, with the new password: %v", err)
	}
	// The first device's key no longer authenticates.
	_, err = first.Issuers(ctx(t))
	if code := codeOf(err); code != mkpf.CodeUnauthenticated {
		t.Fatalf("old device after reset: want unauthenticated, got %v", err)
	}
	if _, err := second.Issuers(ctx(t)); err != nil {
		t.Fatalf("new device: %v", err)
	}
}

func TestScreen9_EnrollRefusesWrongCredentials(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Client(t)
	for _, tc := range []struct{ id, pw, code string }{
		{"00052489", "wrongpass", mkpf.CodeBadCredentials},
		{"99999999", "8912k41a", mkpf.CodeBadCredentials},
		{"1234", "x", mkpf.CodeValidation}, // checked on the terminal already
		{"00052489", "", mkpf.CodeValidation},
	} {
		_, err := c.Enroll(ctx(t), env.URL, tc.id, tc.pw)
		if codeOf(err) != tc.code {
			t.Errorf("%s/%s: want %s, got %v", tc.id, tc.pw, tc.code, err)
		}
	}
	if c.Enrolled() {
		t.Fatal("a refused enrollment left the client enrolled")
	}
	_, err := c.Enroll(ctx(t), "ftp://x", "00052489", "8912k41a")
	if codeOf(err) != mkpf.CodeValidation {
		t.Errorf("bad URL: %v", err)
	}
}

func TestThrottle_FailedLoginsPerTerminalID(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now, LoginFailures: 3, AddrFailures: 100, LoginWindow: 15 * time.Minute})
	c := env.Client(t)
	for i := 0; i < 3; i++ {
		if _, err := c.Enroll(ctx(t), env.URL, "00052489", "guess"+string(rune('a'+i))); codeOf(err) != mkpf.CodeBadCredentials {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	_, err := c.Enroll(ctx(t), env.URL, "00052489", "8912k41a")
	if codeOf(err) != mkpf.CodeThrottled {
		t.Fatalf("after 3 failures the right password must wait: got %v", err)
	}
	if ae := apiErr(t, err); !strings.Contains(ae.Message, "待って") {
		t.Errorf("throttle message should say to wait: %q", ae.Message)
	}
	// Another terminal ID from the same address is not affected by this ID's limit.
	if _, err := env.Client(t).Enroll(ctx(t), env.URL, "00052589", "15ad3z09a"); err != nil {
		t.Fatalf("other terminal: %v", err)
	}
	clk.Add(16 * time.Minute)
	if _, err := c.Enroll(ctx(t), env.URL, "00052489", "8912k41a"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestThrottle_FailedLoginsPerSourceAddress(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now, LoginFailures: 100, AddrFailures: 4, LoginWindow: 15 * time.Minute})
	c := env.Client(t)
	for i, id := range []string{"00052489", "00052589", "00053059", "00053062"} {
		if _, err := c.Enroll(ctx(t), env.URL, id, "nope"); codeOf(err) != mkpf.CodeBadCredentials {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := c.Enroll(ctx(t), env.URL, "00052490", "0t10d630"); codeOf(err) != mkpf.CodeThrottled {
		t.Fatalf("spraying IDs from one address must be throttled: %v", err)
	}
	clk.Add(16 * time.Minute)
	if _, err := c.Enroll(ctx(t), env.URL, "00052490", "0t10d630"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestThrottle_CheckPasswordForTheScreen2Login(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now, LoginFailures: 2})
	r, _ := http.NewRequest("POST", "/", nil)
	r.RemoteAddr = "192.0.2.1:5555"
	if _, err := env.Server.CheckPassword(r, "00052589", "x"); codeOf(err) != mkpf.CodeBadCredentials {
		t.Fatal(err)
	}
	c, err := env.Server.CheckPassword(r, "00052589", "15ad3z09a")
	if err != nil || c.Kind != mkpf.KindPointUse || c.Municipality != "141305" {
		t.Fatalf("right password: %+v %v", c, err)
	}
	env.Server.CheckPassword(r, "00052589", "y")
	if _, err := env.Server.CheckPassword(r, "00052589", "15ad3z09a"); codeOf(err) != mkpf.CodeThrottled {
		t.Fatalf("want throttled, got %v", err)
	}
}

func TestAuth_TokenExpiresAndIsRenewedTransparently(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now, TokenTTL: time.Minute})
	c := env.Enrolled(t, "00052489")
	if _, err := c.Issuers(ctx(t)); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute) // the server considers the token expired; the client's own clock does not
	if _, err := c.Issuers(ctx(t)); err != nil {
		t.Fatalf("after server-side expiry the client must re-authenticate by itself: %v", err)
	}
}

func TestAuth_UnauthenticatedCallsAreRefused(t *testing.T) {
	env := testenv.Platform(t)
	for _, ep := range endpoints {
		req, _ := http.NewRequest(ep.method, env.URL+ep.path, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer forged")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a valid token: HTTP %d", ep.method, ep.path, resp.StatusCode)
		}
	}
}

func TestAuth_ChallengeIsSingleUseAndSignedByTheDeviceKey(t *testing.T) {
	env := testenv.Platform(t)
	env.Enrolled(t, "00052489")
	// A token request with a signature by some other key is refused.
	c := env.Client(t)
	var ch mkpf.ChallengeResult
	post(t, env.URL+"/v1/auth/challenge", mkpf.ChallengeRequest{TerminalID: "00052489"}, &ch, 200)
	fp := c.Fingerprint()
	post(t, env.URL+"/v1/auth/token", mkpf.TokenRequest{TerminalID: "00052489", Challenge: ch.Challenge, Fingerprint: fp[:], Signature: make([]byte, 64)}, nil, 401)
	// The challenge was used up by the failed attempt.
	post(t, env.URL+"/v1/auth/token", mkpf.TokenRequest{TerminalID: "00052489", Challenge: ch.Challenge, Fingerprint: fp[:], Signature: make([]byte, 64)}, nil, 401)
}

var _ = platformclient.Message
