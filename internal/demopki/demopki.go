// Package demopki owns the demo PKI shared by the virtual card, the reference platform and the tests: a test JPKI
// auth CA and sign CA (RSA-2048) and the demo cards ("profiles") whose certificates they issued, committed as fixtures
// so the card and the server agree without set-up. Regenerate with `go run ./internal/demopki/gen` (it replaces every
// key and serial).
//
// Profiles: yamada, suzuki, tanaka, renewed (yamada's re-issued card: new key, certificate and serial), expired (auth
// certificate ended 2025-06-30), locked (auth PIN blocked), revoked (valid certificate the demo server lists as revoked)
// and libcard-180000000011 (a FeliCa patron card, no JPKI). Every JPKI profile has auth PIN "1234" (3 tries, 0 for
// locked) and sign PIN "ABC123" (5 tries). Sign certificates carry a fake name and address, never a My Number.
//
// The private keys are demo keys published in this repository: never trust this PKI outside demos and tests.
package demopki

import (
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

//go:embed fixtures
var fixtures embed.FS

// Profile is one demo card: a JPKI My Number Card (Kind "jpki") or a FeliCa patron card (Kind "felica").
type Profile struct {
	Name string
	Kind string // "jpki" or "felica"

	AuthCertDER, AuthCADER, SignCertDER, SignCADER []byte
	AuthKey, SignKey                               *rsa.PrivateKey
	AuthPIN, SignPIN                               string
	AuthPINTries, SignPINTries                     int
	Serial                                         string // auth cert serial, SerialHex
	SignSerial                                     string // sign cert serial, SerialHex

	// FeliCa only: the IDm (8 bytes), the service holding the card number and its blocks (16 bytes each).
	FeliCaIDm         []byte
	FeliCaServiceCode uint16
	FeliCaBlocks      [][]byte
}

// Demo PINs, the same on every JPKI profile.
const (
	AuthPIN = "1234"
	SignPIN = "ABC123"
)

// SerialHex is the one spelling of a certificate serial used everywhere in mykeyterm: uppercase hex, no leading zeros.
func SerialHex(c *x509.Certificate) string { return strings.ToUpper(c.SerialNumber.Text(16)) }

type entry struct {
	Name              string   `json:"name"`
	Kind              string   `json:"kind"`
	AuthPINTries      int      `json:"auth_pin_tries"`
	SignPINTries      int      `json:"sign_pin_tries"`
	FeliCaIDm         string   `json:"felica_idm"`
	FeliCaServiceCode uint16   `json:"felica_service_code"`
	FeliCaBlocks      []string `json:"felica_blocks"`
}

type loaded struct {
	order                []string
	profiles             map[string]*Profile
	authCA, signCA       *x509.Certificate
	authCADER, signCADER []byte
}

var load = sync.OnceValues(func() (*loaded, error) {
	l := &loaded{profiles: map[string]*Profile{}}
	var err error
	if l.authCADER, l.authCA, err = readCert("authca.der"); err != nil {
		return nil, err
	}
	if l.signCADER, l.signCA, err = readCert("signca.der"); err != nil {
		return nil, err
	}
	j, err := fixtures.ReadFile("fixtures/profiles.json")
	if err != nil {
		return nil, err
	}
	var entries []entry
	if err := json.Unmarshal(j, &entries); err != nil {
		return nil, fmt.Errorf("demopki: profiles.json: %w", err)
	}
	for _, e := range entries {
		p := &Profile{Name: e.Name, Kind: e.Kind, AuthPINTries: e.AuthPINTries, SignPINTries: e.SignPINTries}
		switch e.Kind {
		case "jpki":
			p.AuthPIN, p.SignPIN = AuthPIN, SignPIN
			p.AuthCADER, p.SignCADER = l.authCADER, l.signCADER
			var c *x509.Certificate
			if p.AuthCertDER, c, err = readCert(e.Name + ".auth.der"); err != nil {
				return nil, err
			}
			p.Serial = SerialHex(c)
			if p.SignCertDER, c, err = readCert(e.Name + ".sign.der"); err != nil {
				return nil, err
			}
			p.SignSerial = SerialHex(c)
			if p.AuthKey, err = readKey(e.Name + ".auth.key"); err != nil {
				return nil, err
			}
			if p.SignKey, err = readKey(e.Name + ".sign.key"); err != nil {
				return nil, err
			}
		case "felica":
			if p.FeliCaIDm, err = hex.DecodeString(e.FeliCaIDm); err != nil {
				return nil, fmt.Errorf("demopki: %s IDm: %w", e.Name, err)
			}
			p.FeliCaServiceCode = e.FeliCaServiceCode
			for _, b := range e.FeliCaBlocks {
				blk, err := hex.DecodeString(b)
				if err != nil {
					return nil, fmt.Errorf("demopki: %s block: %w", e.Name, err)
				}
				p.FeliCaBlocks = append(p.FeliCaBlocks, blk)
			}
		default:
			return nil, fmt.Errorf("demopki: %s: unknown kind %q", e.Name, e.Kind)
		}
		l.order = append(l.order, e.Name)
		l.profiles[e.Name] = p
	}
	return l, nil
})

func readCert(name string) ([]byte, *x509.Certificate, error) {
	der, err := fixtures.ReadFile("fixtures/" + name)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("demopki: %s: %w", name, err)
	}
	return der, c, nil
}

func readKey(name string) (*rsa.PrivateKey, error) {
	der, err := fixtures.ReadFile("fixtures/" + name)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("demopki: %s: %w", name, err)
	}
	return k, nil
}

func mustLoad() *loaded {
	l, err := load()
	if err != nil {
		panic(err) // the fixtures are embedded: a failure here is a broken build, not a runtime condition
	}
	return l
}

// Profiles lists the profile names in a stable order (JPKI cards first, then the FeliCa card).
func Profiles() []string { return append([]string(nil), mustLoad().order...) }

// Get returns a copy of the named profile; the caller may change the copy's counters freely.
func Get(name string) (*Profile, error) {
	p, ok := mustLoad().profiles[name]
	if !ok {
		return nil, fmt.Errorf("demopki: no profile %q (have %s)", name, strings.Join(Profiles(), ", "))
	}
	c := *p
	return &c, nil
}

// AuthCA is the demo JPKI user-authentication CA certificate (the platform's trust anchor in demos and tests).
func AuthCA() *x509.Certificate { return mustLoad().authCA }

// SignCA is the demo JPKI signing CA certificate.
func SignCA() *x509.Certificate { return mustLoad().signCA }

// AuthCADER is AuthCA in DER.
func AuthCADER() []byte { return mustLoad().authCADER }

// SignCADER is SignCA in DER.
func SignCADER() []byte { return mustLoad().signCADER }
