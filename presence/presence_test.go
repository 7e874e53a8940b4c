package presence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/presence"
)

// The voucher counter (screens 32-34) above the floor limit: the first issue is refused with the proof asked for,
// the tries are shown, a wrong PIN costs one try and is not retried, the right PIN's proof issues the voucher.
func TestScreen33_VoucherAboveTheFloorLimitNeedsThePatronsPIN(t *testing.T) {
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 100); err != nil {
		t.Fatal(err)
	}
	c := env.Enrolled(t, "00053059")
	y, _ := demopki.Get("yamada")
	ref := mkpf.PatronRef{AuthCert: y.AuthCertDER}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	expires := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 7).Format("2006-01-02")
	issue := func(ref mkpf.PatronRef) (*mkpf.Voucher, error) {
		return c.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: ref, ProgramID: platform.DemoProgramMunicipal, Points: 300, Expires: expires}, "")
	}
	scope := mkpf.VoucherScope(mkpf.VoucherIssueRequest{PatronRef: ref, ProgramID: platform.DemoProgramMunicipal, Points: 300, Expires: expires})
	_, err := issue(ref)
	if !presence.Needed(err) {
		t.Fatalf("above the floor limit with the tap only: %v", err)
	}
	pcsc := testenv.PCSCD(t) // may wait for another test's vpcd: the card's deadline starts after it
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pcsc.InsertVirtual(t, "yamada", 0)
	src, _ := cardio.NewPCSC()
	card, err := src.Connect(ctx, pcsc.Reader(0))
	if err != nil {
		t.Fatal(err)
	}
	defer card.Close()
	j, err := cardio.OpenJPKI(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := presence.Tries(ctx, j); err != nil || n != 3 {
		t.Fatalf("tries shown first: %d %v", n, err)
	}
	var wrong *cardio.WrongPINError
	if _, err := presence.Prove(ctx, c, j, ref, scope, "9999"); !errors.As(err, &wrong) || wrong.Left != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if n, _ := presence.Tries(ctx, j); n != 2 {
		t.Fatalf("one wrong PIN spends one try, left %d", n)
	}
	proved, err := presence.Prove(ctx, c, j, ref, scope, y.AuthPIN)
	if err != nil {
		t.Fatal(err)
	}
	v, err := issue(proved)
	if err != nil || v.Points != 300 {
		t.Fatalf("with the proof: %+v %v", v, err)
	}
}
