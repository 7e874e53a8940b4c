package demopki

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestProfiles_AreTheAgreedSetInAStableOrder(t *testing.T) {
	want := "yamada suzuki tanaka renewed expired locked revoked libcard-180000000011"
	if got := strings.Join(Profiles(), " "); got != want {
		t.Fatalf("Profiles() = %q, want %q", got, want)
	}
}

func TestProfiles_JPKICertificatesChainToTheDemoCAsAndMatchTheirKeys(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	seen := map[string]string{}
	for _, name := range Profiles() {
		p, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != "jpki" {
			continue
		}
		auth, err := x509.ParseCertificate(p.AuthCertDER)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.CheckSignatureFrom(AuthCA()); err != nil {
			t.Errorf("%s: auth cert not issued by the auth CA: %v", name, err)
		}
		sign, err := x509.ParseCertificate(p.SignCertDER)
		if err != nil {
			t.Fatal(err)
		}
		if err := sign.CheckSignatureFrom(SignCA()); err != nil {
			t.Errorf("%s: sign cert not issued by the sign CA: %v", name, err)
		}
		if !p.AuthKey.PublicKey.Equal(auth.PublicKey) || !p.SignKey.PublicKey.Equal(sign.PublicKey) {
			t.Errorf("%s: keys do not match certificates", name)
		}
		if p.Serial != SerialHex(auth) || p.SignSerial != SerialHex(sign) || p.Serial != strings.ToUpper(p.Serial) {
			t.Errorf("%s: serials %s/%s", name, p.Serial, p.SignSerial)
		}
		if other, dup := seen[p.Serial]; dup {
			t.Errorf("%s and %s share serial %s", name, other, p.Serial)
		}
		seen[p.Serial] = name
		expired := now.After(auth.NotAfter)
		if expired != (name == "expired") {
			t.Errorf("%s: NotAfter %v", name, auth.NotAfter)
		}
		wantTries := 3
		if name == "locked" {
			wantTries = 0
		}
		if p.AuthPIN != "1234" || p.SignPIN != "ABC123" || p.AuthPINTries != wantTries || p.SignPINTries != 5 {
			t.Errorf("%s: PINs %q/%q tries %d/%d", name, p.AuthPIN, p.SignPIN, p.AuthPINTries, p.SignPINTries)
		}
		d := sha256.Sum256([]byte("challenge"))
		sig, err := rsa.SignPKCS1v15(nil, p.AuthKey, crypto.SHA256, d[:])
		if err != nil || rsa.VerifyPKCS1v15(auth.PublicKey.(*rsa.PublicKey), crypto.SHA256, d[:], sig) != nil {
			t.Errorf("%s: auth key cannot sign: %v", name, err)
		}
	}
	y, _ := Get("yamada")
	r, _ := Get("renewed")
	if y.Serial == r.Serial || y.AuthKey.Equal(r.AuthKey) {
		t.Error("renewed must have a new key and serial")
	}
}

func TestProfiles_LibraryCardHoldsItsNumberInBlock0(t *testing.T) {
	p, err := Get("libcard-180000000011")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != "felica" || len(p.FeliCaIDm) != 8 || len(p.FeliCaBlocks) == 0 || len(p.FeliCaBlocks[0]) != 16 {
		t.Fatalf("bad felica profile %+v", p)
	}
	if got := strings.TrimRight(string(p.FeliCaBlocks[0]), " \x00"); got != "180000000011" {
		t.Errorf("block 0 = %q", got)
	}
}

func TestGet_UnknownProfileIsAnError(t *testing.T) {
	if _, err := Get("nobody"); err == nil {
		t.Fatal("want error")
	}
}
