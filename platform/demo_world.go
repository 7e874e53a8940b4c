//go:build demo

package platform

import (
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// The demo world's seeding (demo.go), linked only with -tags demo: it holds the demo PKI (private keys included)
// and, through the seeders it registers, the demo roster's passwords.

// DemoWorldLinked tells a build that has the demo world (-tags demo) from a release build.
const DemoWorldLinked = true

func init() {
	RegisterDemoSeeder((*Server).seedDemoPoints) // points_demo.go
	RegisterDemoSeeder((*Server).seedDemoGrants) // grants_admin.go
	RegisterDemoSeeder((*Server).seedDemoPatronDesk)
}

func (s *Server) seedIdentityDemo() error {
	if err := s.AddRoot("auth", demopki.AuthCADER()); err != nil {
		return err
	}
	if err := s.AddRoot("sign", demopki.SignCADER()); err != nil {
		return err
	}
	if err := s.AddMunicipality(DemoMunicipality, DemoMunicipalityName); err != nil {
		return err
	}
	if err := s.AddMunicipality(DemoForeign, DemoForeignName); err != nil {
		return err
	}
	for _, is := range []mkpf.Issuer{
		{ID: DemoLibrary, Name: "川崎市立図書館", MunicipalityCode: DemoMunicipality, Handoff: DemoLibraryHandoff},
		{ID: DemoShoppingStreet, Name: "ブレーメン商店街", MunicipalityCode: DemoMunicipality, Handoff: DemoShopHandoff, ShowMyKeyID: true},
		{ID: DemoForeignLibrary, Name: "横浜市立図書館", MunicipalityCode: DemoForeign, Handoff: DemoLibraryHandoff},
	} {
		if err := s.PutIssuer(is); err != nil {
			return err
		}
	}
	for _, t := range DemoTerminals {
		err := s.AddTerminal(TerminalSpec{ID: t.ID, Password: t.Password, Kind: t.Kind, TakesPoints: t.TakesPoints,
			Municipality: t.Municipality, IssuerID: t.IssuerID, Location: t.Location})
		if err != nil && !errors.Is(err, ErrTerminalExists) {
			return err
		}
	}
	for _, p := range []struct{ profile, id string }{
		{"yamada", DemoYamadaMyKeyID}, {"suzuki", DemoSuzukiMyKeyID}, {"revoked", DemoRevokedMyKeyID},
	} {
		pr, err := demopki.Get(p.profile)
		if err != nil {
			return err
		}
		if _, err := s.CreateMyKeyID(pr.AuthCertDER, p.id); err != nil {
			return fmt.Errorf("MyKey ID of %s: %w", p.profile, err)
		}
	}
	yamada, err := demopki.Get("yamada")
	if err != nil {
		return err
	}
	renewed, err := demopki.Get("renewed")
	if err != nil {
		return err
	}
	revoked, err := demopki.Get("revoked")
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx kv.Tx) error {
		now := s.now().UTC()
		for _, sv := range []struct {
			issuer, number string
			notice         bool
		}{{DemoLibrary, DemoYamadaLibCard, true}, {DemoShoppingStreet, DemoYamadaShopCard, false}} {
			rec := serviceRec{IssuerID: sv.issuer, CardNumber: sv.number, AddressNotice: sv.notice, RegisteredAt: now}
			if sv.notice {
				rec.SignSerial = yamada.SignSerial
			}
			if err := identityOf(tx).putService(DemoYamadaMyKeyID, &rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.FeedRenewal(yamada.Serial, renewed.Serial, false); err != nil {
		return err
	}
	if err := s.FeedRenewal(yamada.SignSerial, renewed.SignSerial, true); err != nil {
		return err
	}
	if err := s.Revoke(revoked.Serial, "demo: card reported lost"); err != nil {
		return err
	}
	return s.db.Update(func(tx kv.Tx) error { return tx.Bucket(bMeta).Put([]byte("demo_seeded"), []byte("1")) })
}

// seedDemoPatronDesk adds the patron desk to a demo database seeded before it existed (idempotent).
func (s *Server) seedDemoPatronDesk() error {
	t, _ := DemoTerminalByID(DemoPatronDesk)
	err := s.AddTerminal(TerminalSpec{ID: t.ID, Password: t.Password, Kind: t.Kind, Municipality: t.Municipality, Location: t.Location})
	if err != nil && !errors.Is(err, ErrTerminalExists) {
		return err
	}
	return nil
}
