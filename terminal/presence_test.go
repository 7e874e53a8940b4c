package terminal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// The proof of card presence without UI, as screens 30, 33 and 38 run it: the reference platform on loopback with a
// floor limit of 500 on the municipal program, the platform client, and the virtual card read through cardio.
func TestPresence_TriesFirstOnePINNeverRetriedThenTheSameKeyAppliesOnce(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 500); err != nil {
		t.Fatal(err)
	}
	c := env.Enrolled(t, "00052589")
	src := vcard.NewSource()
	cards := &terminal.Cards{Src: src}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	y, err := demopki.Get("yamada")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Insert("yamada"); err != nil {
		t.Fatal(err)
	}
	tap := mkpf.PatronRef{AuthCert: y.AuthCertDER}
	balance := func() int64 {
		t.Helper()
		res, err := c.Balances(ctx, tap)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range res.Balances {
			if b.ProgramID == platform.DemoProgramMunicipal {
				return b.Points
			}
		}
		t.Fatal("no municipal balance")
		return 0
	}
	tries := func() int {
		t.Helper()
		n, err := cards.AuthPINTries(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	key := platformclient.NewIdempotencyKey()
	req := mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 600}
	before := balance()

	// Other answers pass through as they are: none, a refusal of another kind, a shop card (it cannot prove).
	if err := cards.AskPresence(ctx, "", tap, nil); err != nil {
		t.Errorf("no error became %v", err)
	}
	other := &mkpf.APIError{Code: mkpf.CodeInsufficientPoints, Message: "x"}
	if err := cards.AskPresence(ctx, "", tap, other); err != other {
		t.Errorf("another refusal became %v", err)
	}
	_, useErr := terminal.UsePoints(ctx, c, req, key)
	if err := cards.AskPresence(ctx, "", mkpf.PatronRef{ShopCard: "520625"}, useErr); err != useErr {
		t.Errorf("a shop card's refusal became %v", err)
	}

	// Above the floor limit: the tries left, read without spending one.
	var pr *terminal.PresenceRequired
	if err := cards.AskPresence(ctx, "", tap, useErr); !errors.As(err, &pr) || pr.Tries != 3 || terminal.APICode(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("above the floor limit: %v", err)
	}

	// A malformed PIN is never sent; a wrong one spends one try, is not retried, and says how many are left.
	if _, err := cards.ProvePresence(ctx, "", c, tap, mkpf.UseScope(req), "12a4"); err != terminal.ErrAuthPINFormat || tries() != 3 {
		t.Errorf("malformed PIN: %v, tries %d", err, tries())
	}
	_, err = cards.ProvePresence(ctx, "", c, tap, mkpf.UseScope(req), "9999")
	var wrong *cardio.WrongPINError
	if !errors.As(err, &wrong) || wrong.Left != 2 || !strings.Contains(terminal.Message(err), "あと2回") || terminal.IsTransport(err) {
		t.Errorf("wrong PIN: %v (message %q)", err, terminal.Message(err))
	}
	if tries() != 2 || balance() != before {
		t.Fatalf("after a wrong PIN: tries %d, balance %d → %d", tries(), before, balance())
	}

	// The right PIN (typed full-width: an IME left on) proves presence; the same key applies once, even twice sent.
	proved, err := cards.ProvePresence(ctx, "", c, tap, mkpf.UseScope(req), "１２３４")
	if err != nil || proved.Presence == nil {
		t.Fatalf("right PIN: %v", err)
	}
	req.PatronRef = proved
	r1, err := terminal.UsePoints(ctx, c, req, key)
	if err != nil {
		t.Fatalf("use with the proof: %v", err)
	}
	r2, err := terminal.UsePoints(ctx, c, req, key)
	if err != nil || r2.TxnID != r1.TxnID {
		t.Errorf("the same key sent again: %v, txn %q vs %q", err, r2.TxnID, r1.TxnID)
	}
	if after := balance(); after != before-600 {
		t.Errorf("balance %d → %d, want -600 once", before, after)
	}
}

func TestPresence_BlockedPINSaysSoBeforeAnyPIN(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 500); err != nil {
		t.Fatal(err)
	}
	src := vcard.NewSource()
	if _, err := src.Insert("locked"); err != nil {
		t.Fatal(err)
	}
	cards := &terminal.Cards{Src: src}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	asked := &mkpf.APIError{Code: mkpf.CodeCardPresenceRequired, Message: "x"}
	p, _ := demopki.Get("locked")
	err := cards.AskPresence(ctx, "", mkpf.PatronRef{AuthCert: p.AuthCertDER}, asked)
	if err != terminal.ErrAuthPINBlocked || !strings.Contains(terminal.Message(err), "ロック") {
		t.Errorf("blocked PIN: %v", err)
	}
}

// BenchmarkPresence_UseAtAndAboveTheFloorLimit measures the counter's extra work above the floor limit: a point use
// with the tap only (at the limit) against the whole proof sequence (send → tries → challenge → VERIFY + signature on
// the card → send again), on the loopback platform and the in-process virtual card. A real card adds its own
// signing time (seconds on some cards); compare the two sub-benchmarks of one run, not absolute figures.
func BenchmarkPresence_UseAtAndAboveTheFloorLimit(b *testing.B) {
	env := testenv.Platform(b)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 1); err != nil {
		b.Fatal(err)
	}
	// uses at the limit stay without proof however many the benchmark runs (no day totals reached)
	if err := env.Server.SetFloorDayLimits(platform.DemoProgramMunicipal, 1<<50, 1<<50); err != nil {
		b.Fatal(err)
	}
	c := env.Enrolled(b, "00052589")
	src := vcard.NewSource()
	if _, err := src.Insert("yamada"); err != nil {
		b.Fatal(err)
	}
	cards := &terminal.Cards{Src: src}
	y, _ := demopki.Get("yamada")
	tap := mkpf.PatronRef{AuthCert: y.AuthCertDER}
	ctx := context.Background()
	use := func(points int64, prove bool) {
		req := mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: points}
		key := platformclient.NewIdempotencyKey()
		_, err := terminal.UsePoints(ctx, c, req, key)
		if prove {
			var pr *terminal.PresenceRequired
			if err = cards.AskPresence(ctx, "", tap, err); !errors.As(err, &pr) {
				b.Fatalf("not asked: %v", err)
			}
			if req.PatronRef, err = cards.ProvePresence(ctx, "", c, tap, mkpf.UseScope(req), "1234"); err != nil {
				b.Fatal(err)
			}
			_, err = terminal.UsePoints(ctx, c, req, key)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	// enough balance for any b.N (granted outside the timer), so a fast machine never runs out
	fund := func(b *testing.B, points int64) {
		b.StopTimer()
		if err := env.Server.GrantPoints(platform.DemoYamadaMyKeyID, platform.DemoProgramMunicipal, points*int64(b.N), "bench"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.Run("tap_at_limit", func(b *testing.B) {
		fund(b, 1)
		for i := 0; i < b.N; i++ {
			use(1, false)
		}
	})
	b.Run("proof_above_limit", func(b *testing.B) {
		fund(b, 2)
		for i := 0; i < b.N; i++ {
			use(2, true)
		}
	})
}
