package terminal

import (
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/platform"
)

// The terminal checks a card number before the card is read; the platform checks it again. Both must agree, or the
// clerk would see a number accepted here and refused there (or the other way round).
func TestValidCardNumber_AgreesWithThePlatform(t *testing.T) {
	for _, n := range []string{"180000000011", "A-1", "", "１２", "12 3", "ab_c", "é1", strings.Repeat("9", 32),
		strings.Repeat("9", 33), "-", "00052489"} {
		if got, want := ValidCardNumber(n), platform.ValidateCardNumber(n) == nil; got != want {
			t.Errorf("ValidCardNumber(%q) = %v, the platform says %v", n, got, want)
		}
	}
}

func TestRegistration_SigningPINRulesBeforeTheCard(t *testing.T) {
	r := &Registration{Tries: 0}
	if err := r.CheckSignPIN("ABC123"); err != ErrSignPINBlocked {
		t.Fatalf("blocked PIN: %v", err)
	}
	r.Tries = 3
	for _, pin := range []string{"", "12345", strings.Repeat("A", 17), "abc123"} {
		if err := r.CheckSignPIN(pin); err != ErrSignPINFormat {
			t.Errorf("CheckSignPIN(%q) = %v", pin, err)
		}
	}
	if err := r.CheckSignPIN("ABC123"); err != nil {
		t.Fatalf("good PIN: %v", err)
	}
}
