// Command gen writes the demo PKI fixtures of package demopki: a test JPKI auth CA and sign CA (RSA-2048) and, for
// every JPKI profile, an auth and a sign certificate with their keys. Run it once from the module root:
//
//	go run ./internal/demopki/gen
//
// The output is committed; re-running it replaces every key, certificate and serial, so the platform's fixtures and
// anything that recorded a serial must be updated with it.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

type person struct{ name, address string }

// profile is one JPKI demo card. Everything else about a profile (PINs, tries, FeliCa data) lives in profiles.json.
type profile struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	AuthPINTries int    `json:"auth_pin_tries"`
	SignPINTries int    `json:"sign_pin_tries"`
	// FeliCa only.
	FeliCaIDm         string   `json:"felica_idm,omitempty"`
	FeliCaServiceCode uint16   `json:"felica_service_code,omitempty"`
	FeliCaBlocks      []string `json:"felica_blocks,omitempty"` // hex, 16 bytes each

	person   person
	notAfter time.Time
}

var (
	start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end   = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

func main() {
	out := flag.String("out", "internal/demopki/fixtures", "output directory")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	authCA, authCAKey, err := makeCA("MyKeyTerm Demo JPKI Auth CA")
	if err != nil {
		return err
	}
	signCA, signCAKey, err := makeCA("MyKeyTerm Demo JPKI Sign CA")
	if err != nil {
		return err
	}
	if err := write(out, "authca.der", authCA.Raw); err != nil {
		return err
	}
	if err := write(out, "signca.der", signCA.Raw); err != nil {
		return err
	}
	yamada := person{"山田 太郎", "東京都千代田区デモ町一丁目1番1号"}
	profiles := []*profile{
		{Name: "yamada", person: yamada},
		{Name: "suzuki", person: person{"鈴木 花子", "神奈川県川崎市デモ区二丁目2番2号"}},
		{Name: "tanaka", person: person{"田中 一郎", "大阪府大阪市デモ区三丁目3番3号"}},
		{Name: "renewed", person: yamada},
		{Name: "expired", person: person{"佐藤 次郎", "北海道札幌市デモ区四丁目4番4号"}, notAfter: time.Date(2025, 6, 30, 23, 59, 59, 0, time.UTC)},
		{Name: "locked", person: person{"高橋 三郎", "福岡県福岡市デモ区五丁目5番5号"}},
		{Name: "revoked", person: person{"伊藤 四郎", "愛知県名古屋市デモ区六丁目6番6号"}},
	}
	for _, p := range profiles {
		p.Kind, p.AuthPINTries, p.SignPINTries = "jpki", 3, 5
		if p.Name == "locked" {
			p.AuthPINTries = 0
		}
		if p.notAfter.IsZero() {
			p.notAfter = end
		}
		auth, authKey, err := makeLeaf(authCA, authCAKey, pkix.Name{
			Country: []string{"JP"}, Organization: []string{"mykeyterm demo"},
			CommonName: "MYKEYTERM-DEMO-AUTH-" + upper(p.Name),
		}, p.notAfter, x509.KeyUsageDigitalSignature)
		if err != nil {
			return err
		}
		sign, signKey, err := makeLeaf(signCA, signCAKey, pkix.Name{
			Country: []string{"JP"}, Organization: []string{"mykeyterm demo"},
			CommonName: p.person.name, Locality: []string{p.person.address},
		}, end, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment)
		if err != nil {
			return err
		}
		for name, b := range map[string][]byte{
			p.Name + ".auth.der": auth.Raw, p.Name + ".auth.key": x509.MarshalPKCS1PrivateKey(authKey),
			p.Name + ".sign.der": sign.Raw, p.Name + ".sign.key": x509.MarshalPKCS1PrivateKey(signKey),
		} {
			if err := write(out, name, b); err != nil {
				return err
			}
		}
		fmt.Printf("%-8s auth serial %X (%d bytes DER), sign serial %X\n", p.Name, auth.SerialNumber, len(auth.Raw), sign.SerialNumber)
	}
	block := make([]byte, 16)
	for i := range block {
		block[i] = ' '
	}
	copy(block, "180000000011")
	profiles = append(profiles, &profile{
		Name: "libcard-180000000011", Kind: "felica",
		FeliCaIDm: "012E4CD123456789", FeliCaServiceCode: 0x100B, FeliCaBlocks: []string{fmt.Sprintf("%X", block)},
	})
	j, err := json.MarshalIndent(profiles, "", "  ")
	if err != nil {
		return err
	}
	return write(out, "profiles.json", append(j, '\n'))
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func write(dir, name string, b []byte) error { return os.WriteFile(filepath.Join(dir, name), b, 0o644) }

// serial is a random positive 64-bit number with its top bit clear, so the DER INTEGER is at most 8 bytes.
func serial() (*big.Int, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	b[0] &= 0x7F
	if b[0] == 0 {
		b[0] = 0x10
	}
	return new(big.Int).SetBytes(b[:]), nil
}

func skid(k *rsa.PublicKey) []byte {
	h := sha1.Sum(x509.MarshalPKCS1PublicKey(k))
	return h[:]
}

func makeCA(cn string) (*x509.Certificate, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{Country: []string{"JP"}, Organization: []string{"mykeyterm demo"}, CommonName: cn},
		NotBefore:             start,
		NotAfter:              end,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          skid(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}

func makeLeaf(ca *x509.Certificate, caKey *rsa.PrivateKey, subj pkix.Name, notAfter time.Time, ku x509.KeyUsage) (*x509.Certificate, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               subj,
		NotBefore:             start,
		NotAfter:              notAfter,
		KeyUsage:              ku,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		SubjectKeyId:          skid(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	c, err := x509.ParseCertificate(der)
	return c, key, err
}
