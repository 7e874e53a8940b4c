package platform_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// loadWorld is a store set up for many terminals spending at once (the demo roster has one point-use terminal and
// three patron cards): point-use terminals added to the demo municipality, and patrons whose certificates come from a
// throwaway CA (newTestPKI) trusted as a JPKI auth root, each with a MyKey ID and points of the municipal program.
type loadWorld struct {
	Terminals []string // point-use terminal IDs, password loadTerminalPassword
	Patrons   []mkpf.PatronRef
	MyKeyIDs  []string // of Patrons, in order
}

const loadTerminalPassword = "load-term-pw"

// seedLoadWorld seeds the demo world on db (a bbolt file or a PostgreSQL URL) with terminals point-use terminals
// (IDs 0009NNNN) and patrons patrons, patron i holding points(i) municipal points. The store is closed again: the
// server processes open it afterwards.
func seedLoadWorld(t testing.TB, db string, terminals, patrons int, points func(i int) int64) *loadWorld {
	t.Helper()
	s, err := platform.Open(db, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	pki := newTestPKI(t)
	if err := s.AddRoot("auth", pki.caDER); err != nil {
		t.Fatal(err)
	}
	w := &loadWorld{}
	for i := 0; i < terminals; i++ {
		id := fmt.Sprintf("0009%04d", i)
		if err := s.AddTerminal(platform.TerminalSpec{ID: id, Password: loadTerminalPassword, Kind: mkpf.KindPointUse,
			Municipality: platform.DemoMunicipality, Location: fmt.Sprintf("負荷試験 レジ%d", i+1)}); err != nil {
			t.Fatal(err)
		}
		w.Terminals = append(w.Terminals, id)
	}
	for i := 0; i < patrons; i++ {
		der := pki.patron(t, i)
		id, err := s.CreateMyKeyID(der, "")
		if err != nil {
			t.Fatal(err)
		}
		if p := points(i); p > 0 {
			if err := s.GrantPoints(id, platform.DemoProgramMunicipal, p, "load"); err != nil {
				t.Fatal(err)
			}
		}
		w.Patrons = append(w.Patrons, mkpf.PatronRef{AuthCert: der})
		w.MyKeyIDs = append(w.MyKeyIDs, id)
	}
	return w
}

// enrollLoadTerminal enrolls terminal id of a loadWorld at the platform on url (a fresh data directory; the
// enrollment opens the points session) with the given per-call timeout and no automatic retry: the caller decides
// what a lost answer means, as a clerk does.
func enrollLoadTerminal(t testing.TB, url, id string, timeout time.Duration) *platformclient.Client {
	t.Helper()
	c, err := testenv.OpenClient(t.TempDir(), platformclient.Options{Timeout: timeout, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Enroll(ctx, url, id, loadTerminalPassword); err != nil {
		t.Fatalf("enroll %s at %s: %v (%s)", id, url, err, platformclient.Message(err))
	}
	if _, err := c.Login(ctx, id, loadTerminalPassword); err != nil { // screen 2
		t.Fatalf("login %s: %v", id, err)
	}
	return c
}
