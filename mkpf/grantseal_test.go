package mkpf

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"testing"
)

func TestSealTapCert_OpensOnlyForItsItemAndKey(t *testing.T) {
	priv, _ := ecdh.X25519().GenerateKey(rand.Reader)
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	it := GrantUploadItem{GrantID: "00112233445566778899AABBCCDDEEFF", ProjectID: "GP000001", SyncID: "s1", Hash: "ABCD"}
	der := bytes.Repeat([]byte{0x30}, 1200)
	sealed, err := SealTapCert(priv.PublicKey().Bytes(), it, der)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, der[:64]) {
		t.Fatal("the certificate is in the clear")
	}
	it.Card = sealed
	if got, err := OpenTapCert(priv, it); err != nil || !bytes.Equal(got, der) {
		t.Fatalf("open: %v", err)
	}
	lower := it
	lower.GrantID, lower.Hash = "00112233445566778899aabbccddeeff", "abcd" // the platform lower-cases both
	if _, err := OpenTapCert(priv, lower); err != nil {
		t.Fatalf("case of GrantID and hash: %v", err)
	}
	for name, edit := range map[string]func(*GrantUploadItem){
		"another GrantID": func(i *GrantUploadItem) { i.GrantID = "ff112233445566778899aabbccddeeff" },
		"another project": func(i *GrantUploadItem) { i.ProjectID = "GP000002" },
		"another sync":    func(i *GrantUploadItem) { i.SyncID = "s2" },
		"another hash":    func(i *GrantUploadItem) { i.Hash = "abce" },
		"cut short":       func(i *GrantUploadItem) { i.Card = i.Card[:40] },
	} {
		x := it
		edit(&x)
		if _, err := OpenTapCert(priv, x); err != ErrTapSeal {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := OpenTapCert(other, it); err != ErrTapSeal {
		t.Errorf("another key: %v", err)
	}
}

// BenchmarkSealTapCert is what a tap adds on the phone (a 1.5 KB certificate).
func BenchmarkSealTapCert(b *testing.B) {
	priv, _ := ecdh.X25519().GenerateKey(rand.Reader)
	pub := priv.PublicKey().Bytes()
	it := GrantUploadItem{GrantID: "00112233445566778899aabbccddeeff", ProjectID: "GP000001", SyncID: "s1", Hash: "abcd"}
	der := bytes.Repeat([]byte{0x30}, 1500)
	for i := 0; i < b.N; i++ {
		if _, err := SealTapCert(pub, it, der); err != nil {
			b.Fatal(err)
		}
	}
}
