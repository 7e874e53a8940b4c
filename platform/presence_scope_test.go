package platform_test

import (
	"sync"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// vcardJPKI opens the named demo card in the in-process virtual card (its JPKI applet verifies the PIN and signs
// with the card's authentication key, as a real card does).
func vcardJPKI(t *testing.T, name string) *cardio.JPKI {
	t.Helper()
	src := vcard.NewSource()
	if _, err := src.Insert(name); err != nil {
		t.Fatal(err)
	}
	card, err := src.Connect(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	j, err := cardio.OpenJPKI(ctx(t), card)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// proveFor has the card sign a challenge the platform issued for scope, as the counter does after the PIN dialog.
func proveFor(t *testing.T, c *platformclient.Client, j *cardio.JPKI, pin string, ref mkpf.PatronRef, scope mkpf.PresenceScope) mkpf.PatronRef {
	t.Helper()
	ch, err := c.CardChallenge(ctx(t), scope)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := cardio.ProvePresence(ctx(t), j, pin, mkpf.PresenceSignedBytes(ch.Scope, ch.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	ref.Presence = &mkpf.CardPresence{Challenge: ch.Challenge, Signature: sig}
	return ref
}

// Issue 17 H2: the proof covered the terminal and the challenge only, so the PIN typed for 1,500 points let the
// terminal spend 9,000. The challenge is now issued for one operation and amount, and the card signs them: any other
// request with that proof is refused and nothing moves.
func TestSecurity_PresenceProofCoversTheAmountAndTheOperation(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 1000); err != nil {
		t.Fatal(err)
	}
	shop := env.Enrolled(t, "00052589")
	y := profile(t, "yamada")
	tap := mkpf.PatronRef{AuthCert: y.AuthCertDER}
	j := vcardJPKI(t, "yamada")
	use := func(ref mkpf.PatronRef, points int64) error {
		_, err := shop.Use(ctx(t), mkpf.UseRequest{PatronRef: ref, ProgramID: platform.DemoProgramMunicipal, Points: points}, "")
		return err
	}
	before := balanceOfClient(t, shop, tap)
	shown := mkpf.UseScope(mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 1500})

	// The PIN typed for 1,500 (the dialog's amount); the terminal sends 9,000 with that proof.
	proof := proveFor(t, shop, j, y.AuthPIN, tap, shown)
	if err := use(proof, 9000); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("9,000 points with a proof made for 1,500: want card_presence_required, got %v", err)
	}
	// The same proof for another program's points is refused too.
	if err := env.Server.SetFloorLimit(platform.DemoProgramEvent, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := shop.Use(ctx(t), mkpf.UseRequest{PatronRef: proof, ProgramID: platform.DemoProgramEvent, Points: 1500}, ""); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("a proof for the municipal program spending event points: %v", err)
	}
	// A challenge issued for 1,500 that the card signed with 9,000 (a terminal lying to the card) is refused as well.
	ch, err := shop.CardChallenge(ctx(t), shown)
	if err != nil {
		t.Fatal(err)
	}
	lied := ch.Scope
	lied.Points = 9000
	sig, err := cardio.ProvePresence(ctx(t), j, y.AuthPIN, mkpf.PresenceSignedBytes(lied, ch.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	forged := tap
	forged.Presence = &mkpf.CardPresence{Challenge: ch.Challenge, Signature: sig}
	if err := use(forged, 9000); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("a 1,500 challenge signed for 9,000: %v", err)
	}
	// The v1 form (terminal ID and challenge only) is accepted no more.
	v1 := append([]byte("mkpf-card-presence-v1\x0000052589\x00"), ch.Challenge...)
	if sig, err = cardio.ProvePresence(ctx(t), j, y.AuthPIN, v1); err != nil {
		t.Fatal(err)
	}
	forged.Presence = &mkpf.CardPresence{Challenge: ch.Challenge, Signature: sig}
	if err := use(forged, 1500); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("a v1 signature: %v", err)
	}
	// A v1 terminal's challenge request (no operation) is refused with what to do.
	if _, err := shop.CardChallenge(ctx(t), mkpf.PresenceScope{}); codeOf(err) != mkpf.CodeValidation {
		t.Fatalf("challenge without an operation: %v", err)
	}
	if after := balanceOfClient(t, shop, tap); after != before {
		t.Fatalf("refused proofs moved points: %d → %d", before, after)
	}
	// The proof spends what the patron saw, once.
	if err := use(proof, 1500); err != nil {
		t.Fatalf("the proof for 1,500 used for 1,500: %v", err)
	}
	if after := balanceOfClient(t, shop, tap); after != before-1500 {
		t.Fatalf("balance %d → %d, want -1,500", before, after)
	}

	// A voucher proof is bound to its expiry and the operation: a use proof does not issue a voucher.
	vt := env.Enrolled(t, "00053059")
	expires := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 7).Format("2006-01-02")
	useProof := proveFor(t, vt, j, y.AuthPIN, tap, mkpf.UseScope(mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 2000}))
	issue := func(ref mkpf.PatronRef, exp string) error {
		_, err := vt.IssueVoucher(ctx(t), mkpf.VoucherIssueRequest{PatronRef: ref, ProgramID: platform.DemoProgramMunicipal, Points: 2000, Expires: exp}, "")
		return err
	}
	if err := issue(useProof, expires); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("a use proof issuing a voucher: %v", err)
	}
	vScope := mkpf.VoucherScope(mkpf.VoucherIssueRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 2000, Expires: expires})
	vProof := proveFor(t, vt, j, y.AuthPIN, tap, vScope)
	later := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 8).Format("2006-01-02")
	if err := issue(vProof, later); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("a voucher proof with another expiry: %v", err)
	}
	if after := balanceOfClient(t, shop, tap); after != before-1500 {
		t.Fatalf("refused voucher proofs moved points: %d", after)
	}
	if err := issue(vProof, expires); err != nil {
		t.Fatalf("the voucher proof for its own voucher: %v", err)
	}
}

// Issue 17 H3: the floor limit was per request, so 20 uses of 1,000 went through without a PIN. What a card moves
// without proof is now counted per Japan-time day (default: the floor limit), and per terminal: past it the proof is
// asked at any amount, for uses and vouchers alike, also when the uses come in parallel.
func TestSecurity_FloorLimitIsCumulativePerCardAndTerminal(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 1000); err != nil {
		t.Fatal(err)
	}
	shop := env.Enrolled(t, "00052589")
	vt := env.Enrolled(t, "00053059")
	y := profile(t, "yamada")
	tap := mkpf.PatronRef{AuthCert: y.AuthCertDER}
	before := balanceOfClient(t, shop, tap)

	// 20 uses of 1,000 in parallel: exactly one goes through without the PIN.
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// raw calls, each with its own key: the client's journal would send identical pending requests as one
			errs[i] = testenv.RawCall(ctx(t), shop, "POST", "/v1/points/use",
				mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 1000}, nil, platformclient.NewIdempotencyKey())
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch codeOf(err) {
		case "":
			ok++
		case mkpf.CodeCardPresenceRequired:
		default:
			t.Errorf("use: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 20 uses of 1,000 went through without proof, want 1 (the day's floor)", ok)
	}
	// One more point, or a voucher, without proof: refused too.
	if _, err := shop.Use(ctx(t), mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 1}, ""); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("one point past the day's floor: %v", err)
	}
	expires := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 7).Format("2006-01-02")
	if _, err := vt.IssueVoucher(ctx(t), mkpf.VoucherIssueRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 500, Expires: expires}, ""); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("a voucher past the card's day floor: %v", err)
	}
	if after := balanceOfClient(t, shop, tap); after != before-1000 {
		t.Fatalf("balance %d → %d, want -1,000", before, after)
	}
	// With the PIN the patron still spends.
	j := vcardJPKI(t, "yamada")
	req := mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: 300}
	req.PatronRef = proveFor(t, shop, j, y.AuthPIN, tap, mkpf.UseScope(req))
	if _, err := shop.Use(ctx(t), req, ""); err != nil {
		t.Fatalf("with the proof past the day's floor: %v", err)
	}

	// The terminal's day total (set to 1,500 here): suzuki's 1,000 at the same terminal asks for proof, at another
	// terminal it goes through.
	if err := env.Server.SetFloorDayLimits(platform.DemoProgramMunicipal, 0, 1500); err != nil {
		t.Fatal(err)
	}
	s := mkpf.PatronRef{AuthCert: profile(t, "suzuki").AuthCertDER}
	if _, err := shop.Use(ctx(t), mkpf.UseRequest{PatronRef: s, ProgramID: platform.DemoProgramMunicipal, Points: 1000}, ""); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("past the terminal's day total: %v", err)
	}
	if _, err := vt.IssueVoucher(ctx(t), mkpf.VoucherIssueRequest{PatronRef: s, ProgramID: platform.DemoProgramMunicipal, Points: 1000, Expires: expires}, ""); err != nil {
		t.Fatalf("suzuki's 1,000 at another terminal: %v", err)
	}
}

// H3: the day totals are per Japan-time day: the next day the card moves up to the floor again without proof.
func TestSecurity_FloorDayTotalsStartAgainTheNextJapanDay(t *testing.T) {
	clk := newClock()
	env := testenv.PlatformWith(t, platform.Options{Now: clk.Now})
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 1000); err != nil {
		t.Fatal(err)
	}
	shop := env.Enrolled(t, "00052589")
	tap := mkpf.PatronRef{AuthCert: profile(t, "yamada").AuthCertDER}
	use := func(points int64) error {
		_, err := shop.Use(ctx(t), mkpf.UseRequest{PatronRef: tap, ProgramID: platform.DemoProgramMunicipal, Points: points}, platformclient.NewIdempotencyKey())
		return err
	}
	if err := use(600); err != nil {
		t.Fatal(err)
	}
	if err := use(400); err != nil {
		t.Fatalf("up to the floor in two uses: %v", err)
	}
	if err := use(1); codeOf(err) != mkpf.CodeCardPresenceRequired {
		t.Fatalf("past the day's floor: %v", err)
	}
	clk.Add(24 * time.Hour) // the next Japan-time day (the points session of 12 hours ends: log in again)
	dt, _ := platform.DemoTerminalByID("00052589")
	if _, err := shop.Login(ctx(t), dt.ID, dt.Password); err != nil {
		t.Fatal(err)
	}
	if err := use(1000); err != nil {
		t.Fatalf("the next day: %v", err)
	}
}
