package mkpf

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

// testVoucherKey is a fixed key so the cases below are reproducible (never used outside tests).
var testVoucherKey = ed25519.NewKeyFromSeed([]byte("mykeyterm test voucher key seed!"))

var voucherCases = []VoucherQR{
	{Number: "98765432", Points: 1000, Expiry: "2026-12-23", TerminalID: "00053059"},
	{Number: "10000000", Points: 1, Expiry: "2027-01-01", TerminalID: "00000001"},
	{Number: "99999999", Points: 4294967295, Expiry: "2099-12-31", TerminalID: "99999999"},
}

func TestVoucherQR_RoundTripUsesOnlyQRAlphanumericsAndIgnoresCase(t *testing.T) {
	pub := testVoucherKey.Public().(ed25519.PublicKey)
	for _, c := range voucherCases {
		text, err := EncodeVoucherQR(c, testVoucherKey)
		if err != nil {
			t.Fatal(err)
		}
		if len(text) != 140 {
			t.Errorf("%s: length %d, want 140", c.Number, len(text))
		}
		for _, r := range text {
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
				t.Fatalf("%s: character %q outside 0-9 A-Z -", c.Number, r)
			}
		}
		for _, variant := range []string{text, strings.ToLower(text), " " + text + "\r\n", swapCase(text) + "\t"} {
			got, err := VerifyVoucherQR(variant, pub)
			if err != nil {
				t.Fatalf("%s: %v", c.Number, err)
			}
			want := c
			want.KeyID = VoucherKeyID(pub)
			if *got != want {
				t.Errorf("got %+v want %+v", *got, want)
			}
		}
	}
}

func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if i%2 == 0 && c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestVoucherQR_EveryChangedCharacterIsRefused(t *testing.T) {
	pub := testVoucherKey.Public().(ed25519.PublicKey)
	text, _ := EncodeVoucherQR(voucherCases[0], testVoucherKey)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	forged := 0
	for i := len(VoucherQRPrefix); i < len(text); i++ {
		b := []byte(text)
		j := strings.IndexByte(alphabet, b[i])
		b[i] = alphabet[(j+1)%len(alphabet)]
		_, err := VerifyVoucherQR(string(b), pub)
		if err == nil {
			t.Fatalf("changed character %d accepted", i)
		}
		var ve *VoucherError
		if !errors.As(err, &ve) || ve.Message == "" {
			t.Fatalf("error without a clerk message: %v", err)
		}
		if errors.Is(err, ErrVoucherForged) {
			forged++
		}
	}
	if forged != len(text)-len(VoucherQRPrefix) {
		t.Errorf("only %d of %d changes reported as forged", forged, len(text)-len(VoucherQRPrefix))
	}
	other := ed25519.NewKeyFromSeed([]byte("another key seed, 32 bytes long."))
	if _, err := VerifyVoucherQR(text, other.Public().(ed25519.PublicKey)); !errors.Is(err, ErrVoucherForged) {
		t.Errorf("other key: %v, want forged", err)
	}
	// A voucher made with another key but claiming this key ID must fail on the signature.
	fake, _ := EncodeVoucherQR(voucherCases[0], other)
	if _, err := VerifyVoucherQR(fake, pub); !errors.Is(err, ErrVoucherForged) {
		t.Errorf("fake: %v, want forged", err)
	}
}

func TestVoucherInput_AcceptsQRTextOrTypedNumber(t *testing.T) {
	text, _ := EncodeVoucherQR(voucherCases[0], testVoucherKey)
	for _, c := range []struct {
		in, number string
		qr, ok     bool
	}{
		{"9876-5432", "98765432", false, true},
		{"98765432", "98765432", false, true},
		{"９８７６－５４３２", "98765432", false, true},
		{" 9876 5432\r\n", "98765432", false, true},
		{strings.ToLower(text), "98765432", true, true},
		{"9876-543", "", false, false},
		{"9876-5432x", "", false, false},
		{"MKV-ABC", "", false, false},
		{"", "", false, false},
	} {
		got, err := ParseVoucherInput(c.in)
		if (err == nil) != c.ok {
			t.Errorf("%q: err=%v want ok=%v", c.in, err, c.ok)
			continue
		}
		if err == nil && (got.Number != c.number || (got.QR != nil) != c.qr) {
			t.Errorf("%q: got %+v", c.in, got)
		}
	}
}

func TestVoucherNumber_EightDigitsFromCryptoRand(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n, err := NewVoucherNumber()
		if err != nil || len(n) != 8 || n[0] == '0' {
			t.Fatalf("%q %v", n, err)
		}
		seen[n] = true
	}
	if len(seen) < 990 {
		t.Errorf("only %d distinct numbers of 1000", len(seen))
	}
	if FormatVoucherNumber("98765432") != "9876-5432" {
		t.Error("format")
	}
}

func FuzzParseVoucherInput(f *testing.F) {
	pub := testVoucherKey.Public().(ed25519.PublicKey)
	for _, c := range voucherCases {
		text, _ := EncodeVoucherQR(c, testVoucherKey)
		f.Add(text)
		f.Add(strings.ToLower(text))
		f.Add(FormatVoucherNumber(c.Number))
	}
	f.Add("MKV-")
	f.Add("９８７６－５４３２")
	f.Fuzz(func(t *testing.T, s string) {
		in, err := ParseVoucherInput(s)
		if err != nil {
			var ve *VoucherError
			if !errors.As(err, &ve) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(in.Number) != 8 {
			t.Fatalf("number %q", in.Number)
		}
		if in.QR != nil {
			if v, err := VerifyVoucherQR(s, pub); err == nil {
				// Anything that verifies must re-encode to the same text (one text per voucher).
				again, err := EncodeVoucherQR(*v, testVoucherKey)
				if err != nil || again != in.Text {
					t.Fatalf("verified %q re-encodes to %q (%v)", in.Text, again, err)
				}
			}
		}
	})
}
