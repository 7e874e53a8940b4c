package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var key = bytes.Repeat([]byte{7}, 32)

// TestSealer_SealedValueOpensOnlyUnderItsKeyAndName: a sealed value holds no plaintext, opens with its key under its
// own name, and not with another key, no key, or under another name (ErrKey).
func TestSealer_SealedValueOpensOnlyUnderItsKeyAndName(t *testing.T) {
	secret := []byte("the auth hmac key")
	sl := Sealer{Key: key}
	raw, err := sl.Seal("auth", secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, secret) || IsPlain(raw) {
		t.Fatalf("the sealed form holds the plaintext: %q", raw)
	}
	if v, err := sl.Open("auth", raw); err != nil || !bytes.Equal(v, secret) {
		t.Fatalf("Open = %q, %v", v, err)
	}
	for name, tc := range map[string]struct {
		sl   Sealer
		name string
	}{
		"another key":  {Sealer{Key: bytes.Repeat([]byte{8}, 32)}, "auth"},
		"no key":       {Sealer{}, "auth"},
		"another name": {sl, "voucher/1"},
	} {
		if _, err := tc.sl.Open(tc.name, raw); !errors.Is(err, ErrKey) {
			t.Errorf("%s: Open = %v, want ErrKey", name, err)
		}
	}
}

// TestSealer_PlainValueRefusedOnceAKeyIsSet: without a key values are stored plain; with a key, Open refuses a plain
// value (ErrPlain) and only OpenAny (the one-time sealing) reads it.
func TestSealer_PlainValueRefusedOnceAKeyIsSet(t *testing.T) {
	raw, err := Sealer{}.Seal("merge/x", []byte("m"))
	if err != nil || !IsPlain(raw) {
		t.Fatalf("Seal without a key = %q, %v", raw, err)
	}
	if v, err := (Sealer{}).Open("merge/x", raw); err != nil || string(v) != "m" {
		t.Fatalf("Open without a key = %q, %v", v, err)
	}
	sl := Sealer{Key: key}
	if _, err := sl.Open("merge/x", raw); !errors.Is(err, ErrPlain) {
		t.Errorf("Open(plain) with a key = %v, want ErrPlain", err)
	}
	if v, err := sl.OpenAny("merge/x", raw); err != nil || string(v) != "m" {
		t.Errorf("OpenAny(plain) = %q, %v", v, err)
	}
	if _, err := sl.Open("x", []byte("other:abc")); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("Open(unknown format) = %v", err)
	}
}

func TestParseKey_HexOrBase64Of32Bytes(t *testing.T) {
	for _, text := range []string{strings.Repeat("07", 32), " " + strings.Repeat("07", 32) + "\n", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="} {
		if k, err := ParseKey(text); err != nil || !bytes.Equal(k, key) {
			t.Errorf("ParseKey(%q) = %x, %v", text, k, err)
		}
	}
	for _, text := range []string{"", strings.Repeat("07", 31), "not a key"} {
		if _, err := ParseKey(text); err == nil {
			t.Errorf("ParseKey(%q) accepted", text)
		}
	}
}
