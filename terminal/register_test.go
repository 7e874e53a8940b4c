package terminal

import (
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
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

// The release build has no demo fixtures: its patron-card profile is a constant, which must stay the layout of the
// demo's FeliCa library card (screen 23 [読取] in demo mode reads through it).
func TestDefaultPatronProfile_IsTheDemoLibraryCardsLayout(t *testing.T) {
	p, err := demopki.Get("libcard-180000000011")
	if err != nil {
		t.Fatal(err)
	}
	if d := DefaultPatronProfile(); d.ServiceCode != p.FeliCaServiceCode || d.Block != 0 {
		t.Fatalf("DefaultPatronProfile %+v, the demo card keeps its number in service %04X block 0", d, p.FeliCaServiceCode)
	}
}
