package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// What the screens add to a point use: [利用] on screen 30 through to screen 31 on the window, against the same
// client call made directly (the baseline), both against the real loopback platform (durable ledger writes).

func benchUseSetup(b *testing.B) (*platformclient.Client, []byte, string) {
	env := testenv.Platform(b)
	client := env.Enrolled(b, "00052589")
	p, err := demopki.Get("yamada")
	if err != nil {
		b.Fatal(err)
	}
	res, err := client.Balances(context.Background(), mkpf.PatronRef{AuthCert: p.AuthCertDER})
	if err != nil {
		b.Fatal(err)
	}
	for _, bal := range res.Balances {
		if bal.Kind == mkpf.PointMunicipal {
			return client, p.AuthCertDER, bal.ProgramID
		}
	}
	b.Fatal("no 自治体ポイント")
	return nil, nil, ""
}

func BenchmarkPointUse_ClientDirect(b *testing.B) {
	client, cert, prog := benchUseSetup(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := client.Use(ctx, mkpf.UseRequest{PatronRef: mkpf.PatronRef{AuthCert: cert}, ProgramID: prog, Points: 1}, platformclient.NewIdempotencyKey()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPointUse_ThroughScreen30(b *testing.B) {
	client, cert, prog := benchUseSetup(b)
	a := test.NewTempApp(b)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(b, nil)
	w.Resize(fyne.NewSize(1100, 900))
	u := New(w, RealServices(vcard.NewSource(), client, nil), nil)
	b.Cleanup(u.Close)
	ps := &pointsSession{u: u, svc: u.Svc.Points, menu: mkpf.PointsMenu{Use: true}}
	s29 := newScreen29(ps)
	s29.authCert = cert
	bal := mkpf.Balance{ProgramID: prog, Kind: mkpf.PointMunicipal, Points: 1 << 40}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s30 := newScreen30(s29, bal, 1)
		u.Show(s30)
		s30.onUse()
		u.Wait()
		if _, ok := u.Current().(*screen31); !ok {
			b.Fatalf("on %T: %s", u.Current(), u.LastError())
		}
	}
}
