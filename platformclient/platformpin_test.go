package platformclient

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testCA is a self-signed CA certificate in PEM.
func testCA(t *testing.T, name string) []byte {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// The comparison of a state folder's platform URL and CA with the administrator's pin (Windows: HKLM): what a staff
// account can write into terminal.db (another URL, another CA file, a CA where the pin has none) must not match.
func TestPlatformPin_ComparePinRefusesWhatAStaffAccountCanWrite(t *testing.T) {
	ca, evil := testCA(t, "municipal CA"), testCA(t, "evil CA")
	sum, err := pinCA(ca)
	if err != nil {
		t.Fatal(err)
	}
	installer := PlatformPin{URL: "https://mkpf.example.jp", CASHA256: sum, CAPEM: ca} // MKSSetup.exe /PLATFORM= /PLATFORMCA=
	public := PlatformPin{URL: "https://mkpf.example.jp"}                              // /PLATFORM= only
	older := PlatformPin{URL: "https://mkpf.example.jp", CASHA256: sum}                // an elevated enrolment of an earlier version
	for _, c := range []struct {
		name  string
		pin   PlatformPin
		url   string
		ca    []byte
		match bool
	}{
		{"not enrolled yet, no CA file: the pin's CA is used", installer, "", nil, true},
		{"the pinned URL, no CA file", installer, "https://mkpf.example.jp", nil, true},
		{"the pinned URL written with a trailing slash", installer, "https://mkpf.example.jp/", nil, true},
		{"the pinned URL and the same CA file", installer, "https://mkpf.example.jp", ca, true},
		{"another host", installer, "https://evil.example.jp", nil, false},
		{"another port", installer, "https://mkpf.example.jp:8443", nil, false},
		{"plain http to the same host", installer, "http://mkpf.example.jp", nil, false},
		{"a loopback proxy", installer, "http://127.0.0.1:8080", nil, false},
		{"another path", installer, "https://mkpf.example.jp/evil", nil, false},
		{"not a URL", installer, "::", nil, false},
		{"another CA file", installer, "https://mkpf.example.jp", evil, false},
		{"an unreadable CA file (empty)", installer, "https://mkpf.example.jp", []byte{}, false},
		{"a CA file where the pin trusts the system's roots", public, "https://mkpf.example.jp", ca, false},
		{"the system's roots as pinned", public, "https://mkpf.example.jp", nil, true},
		{"an older pin: the same CA file", older, "https://mkpf.example.jp", ca, true},
		{"an older pin: the CA file dropped", older, "https://mkpf.example.jp", nil, false},
		{"an older pin: another CA file", older, "https://mkpf.example.jp", evil, false},
	} {
		got := ComparePin(c.pin, c.url, c.ca)
		if (got == "") != c.match {
			t.Errorf("%s: ComparePin = %q, want match=%v", c.name, got, c.match)
		}
	}
}

// A pin's CA must be a PEM certificate (the installer's /PLATFORMCA= is checked before anything is written).
func TestPlatformPin_PinCAAcceptsOnlyAPEMCertificate(t *testing.T) {
	ca := testCA(t, "municipal CA")
	if _, err := pinCA(ca); err != nil {
		t.Fatalf("a PEM CA certificate: %v", err)
	}
	key := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	bad := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	for name, b := range map[string][]byte{"empty": nil, "text": []byte("https://mkpf.example.jp"), "a key only": key, "broken DER": bad} {
		if _, err := pinCA(b); err == nil {
			t.Errorf("%s: accepted as the pinned CA", name)
		}
	}
	if _, err := pinCA(append(key, ca...)); err != nil {
		t.Errorf("a key block before the certificate: %v", err)
	}
}

// Who may choose the platform of a state folder without a pin: only an elevated program on the shared folder
// (it then pins it); a clerk's program (not elevated) is refused there; a user's own folder is the user's business.
func TestPlatformPin_WithoutAPinOnlyAnElevatedProgramChoosesThePlatform(t *testing.T) {
	for _, c := range []struct {
		shared, pinned, elevated, refused bool
	}{
		{true, false, false, true},
		{true, false, true, false},
		{true, true, false, false},
		{true, true, true, false},
		{false, false, false, false},
	} {
		if got := pinRequired(c.shared, c.pinned, c.elevated); got != c.refused {
			t.Errorf("shared=%v pinned=%v elevated=%v: refused=%v, want %v", c.shared, c.pinned, c.elevated, got, c.refused)
		}
	}
}

// The device key sealed for one Windows account is refused, with the account named, for another.
func TestPlatformPin_DeviceKeyOfAnotherAccount(t *testing.T) {
	const clerk, other = "S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1002"
	for _, c := range []struct {
		recorded, current string
		refused           bool
	}{
		{clerk, clerk, false},
		{clerk, strings.ToLower(clerk), false},
		{clerk, other, true},
		{"", other, false}, // a key sealed in machine scope by an earlier version: no record
		{clerk, "", false}, // no accounts (other systems)
	} {
		if got := otherKeyOwner(c.recorded, c.current); got != c.refused {
			t.Errorf("recorded %q, current %q: refused=%v, want %v", c.recorded, c.current, got, c.refused)
		}
	}
}

// The refusals are Japanese, tell the clerk whom to ask (and the administrator what to run), and carry no Go error
// text or format verbs left unfilled.
func TestPlatformPin_MessagesAreJapaneseAndSayWhatToDo(t *testing.T) {
	latin := regexp.MustCompile(`[A-Za-z]{4,}`)
	for name, m := range map[string]string{
		"pinned":      fmt.Sprintf(MsgPlatformPinned, "https://mkpf.example.jp"),
		"not pinned":  MsgPlatformNotPinned,
		"other owner": fmt.Sprintf(MsgDeviceKeyOtherAccount, `COUNTER\clerk1`),
		"CA invalid":  fmt.Sprintf(MsgPinCAInvalid, `C:\ca.pem`),
	} {
		if strings.Contains(m, "%!") || !strings.Contains(m, "。") {
			t.Errorf("%s: %q", name, m)
		}
		for _, w := range latin.FindAllString(m, -1) {
			switch w {
			case "MKSSetup", "PLATFORM", "PLATFORMCA", "Windows", "https", "mkpf", "example", "COUNTER", "clerk":
			default:
				t.Errorf("%s: Latin text %q in %q", name, w, m)
			}
		}
	}
	for _, m := range []string{fmt.Sprintf(MsgPlatformPinned, "x"), MsgPlatformNotPinned} {
		if !strings.Contains(m, "自治体の情報システム担当者") {
			t.Errorf("the clerk is not told to ask the municipality's IT staff: %q", m)
		}
	}
	if !strings.Contains(MsgPlatformNotPinned, "/PLATFORM=") {
		t.Errorf("the installer option is not named: %q", MsgPlatformNotPinned)
	}
}
