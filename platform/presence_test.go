package platform_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// Finding 4: a patron's certificate worked as a bearer token for money (readable from any card without a PIN, seen
// by every terminal the patron tapped). Above the program's floor limit the card itself must sign the platform's
// challenge after the patron's PIN, through the real PC/SC stack (pcscd + vpcd virtual card). Below it, the tap stays.
func TestSecurity_ProofOfCardPresenceAboveTheFloorLimit(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 500); err != nil {
		t.Fatal(err)
	}
	shop := env.Enrolled(t, "00052589")
	y := profile(t, "yamada")
	tap := mkpf.PatronRef{AuthCert: y.AuthCertDER}
	use := func(ref mkpf.PatronRef, points int64) error {
		_, err := shop.Use(ctx(t), mkpf.UseRequest{PatronRef: ref, ProgramID: platform.DemoProgramMunicipal, Points: points}, "")
		return err
	}
	if err := use(tap, 500); err != nil {
		t.Fatalf("at the floor limit the tap is enough: %v", err)
	}
	if err := use(tap, 501); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("above the floor limit with the certificate only: want card_presence_required, got %v", err)
	}
	before := balanceOfClient(t, shop, tap)

	pcsc := testenv.PCSCD(t)
	pcsc.InsertVirtual(t, "yamada", 0)
	pcsc.InsertVirtual(t, "suzuki", 1)
	cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	src, _ := cardio.NewPCSC()
	open := func(slot int) *cardio.JPKI {
		c, err := src.Connect(cctx, pcsc.Reader(slot))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		j, err := cardio.OpenJPKI(cctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	card := open(0)
	// Tries left are shown first; a wrong PIN spends exactly one try and is not retried.
	if n, err := card.PINTries(cctx, cardio.PINAuth); err != nil || n != 3 {
		t.Fatalf("tries before: %d %v", n, err)
	}
	scope1000 := mkpf.UseScope(mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 1000})
	ch, err := shop.CardChallenge(ctx(t), scope1000)
	if err != nil {
		t.Fatal(err)
	}
	msg := mkpf.PresenceSignedBytes(ch.Scope, ch.Challenge)
	var wrong *cardio.WrongPINError
	if _, err := cardio.ProvePresence(cctx, card, "0000", msg); !errors.As(err, &wrong) || wrong.Left != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if n, _ := card.PINTries(cctx, cardio.PINAuth); n != 2 {
		t.Fatalf("a wrong PIN must spend one try only, tries left %d", n)
	}

	// The patron's PIN and the card's signature: measured as the extra time at the counter.
	start := time.Now()
	ch, err = shop.CardChallenge(ctx(t), scope1000)
	if err != nil {
		t.Fatal(err)
	}
	msg = mkpf.PresenceSignedBytes(ch.Scope, ch.Challenge)
	sig, err := cardio.ProvePresence(cctx, card, y.AuthPIN, msg)
	if err != nil {
		t.Fatal(err)
	}
	extra := time.Since(start)
	proof := tap
	proof.Presence = &mkpf.CardPresence{Challenge: ch.Challenge, Signature: sig}
	if err := use(proof, 1000); err != nil {
		t.Fatalf("with the card's proof: %v", err)
	}
	t.Logf("FIGURE floor-limit flow extra time at the counter (challenge + PIN verify + card signature through pcscd/vpcd): %v", extra)
	if after := balanceOfClient(t, shop, tap); after != before-1000 {
		t.Fatalf("balance %d → %d, want -1000", before, after)
	}
	// One use: the same proof again is refused (a rogue terminal cannot replay it).
	if err := use(proof, 1000); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("replayed proof: %v", err)
	}
	// Another card's signature does not prove yamada's card.
	ch, _ = shop.CardChallenge(ctx(t), scope1000)
	other, err := cardio.ProvePresence(cctx, open(1), "1234", mkpf.PresenceSignedBytes(ch.Scope, ch.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	proof.Presence = &mkpf.CardPresence{Challenge: ch.Challenge, Signature: other}
	if err := use(proof, 1000); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("suzuki's card signing for yamada: %v", err)
	}
	if after := balanceOfClient(t, shop, tap); after != before-1000 {
		t.Fatalf("a refused proof moved points: %d", after)
	}

	// A shop card carries no proof: above the floor limit a merge by shop card is refused.
	merge := env.Enrolled(t, "00052490")
	if _, _, err := merge.Merge(ctx(t), mkpf.MergeRequest{PatronRef: mkpf.PatronRef{ShopCard: platform.DemoYamadaShopCard}, Points: 501}, "", ""); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("merge by shop card above the floor limit: %v", err)
	}
}

func balanceOfClient(t *testing.T, c interface {
	Balances(context.Context, mkpf.PatronRef) (*mkpf.BalancesResult, error)
}, ref mkpf.PatronRef) int64 {
	t.Helper()
	res, err := c.Balances(ctx(t), ref)
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
