package platform

import (
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The demo world (`mkpf-server serve --demo`, the GUI's demo mode, testenv.Platform): the documents' example
// municipality, issuers, 様式II roster and patrons, matching the virtual card's profiles (internal/demopki).
const (
	DemoMunicipality     = "141305" // 川崎市
	DemoMunicipalityName = "川崎市"
	DemoForeign          = "141003" // 横浜市: a foreign municipality for authorisation tests
	DemoForeignName      = "横浜市"
	DemoLibrary          = "000001" // 川崎市立図書館
	DemoShoppingStreet   = "000002" // ブレーメン商店街
	DemoForeignLibrary   = "000003" // 横浜市立図書館
)

// DemoTerminal is one row of the demo roster.
type DemoTerminal struct {
	ID, Password string
	Kind         mkpf.TerminalKind
	TakesPoints  bool
	Municipality string
	IssuerID     string
	Location     string
}

// DemoTerminals is the demo 様式II roster (seed 000 and seed 004's examples), plus one terminal of 横浜市.
var DemoTerminals = []DemoTerminal{
	{"00052489", "8912k41a", mkpf.KindServiceID, false, DemoMunicipality, DemoLibrary, "川崎市立中原図書館 カウンター"},
	{"00052589", "15ad3z09a", mkpf.KindPointUse, false, DemoMunicipality, "", "川崎市市民ミュージアム 受付"},
	{"00053059", "mnv88833", mkpf.KindVoucher, false, DemoMunicipality, "", "川崎商工会議所"},
	{"00053062", "8g8k6k2", mkpf.KindPointGrant, false, DemoMunicipality, "", "川崎市役所 市民文化局"},
	{"00053063", "g7r4nt0f", mkpf.KindGrantOffice, false, DemoMunicipality, "", "川崎市役所 健康福祉局 ポイント付与窓口"},
	{"00052490", "0t10d630", mkpf.KindServiceID, true, DemoMunicipality, DemoShoppingStreet, "ブレーメン商店街 店頭端末"},
	{"00060001", "yk7h3m2p", mkpf.KindServiceID, false, DemoForeign, DemoForeignLibrary, "横浜市中央図書館 カウンター"},
	{DemoPatronDesk, DemoPatronDeskPass, mkpf.KindPatronDesk, false, DemoMunicipality, "", "川崎市立中原図書館 利用者窓口"},
}

// DemoTerminalByID returns a demo roster row.
func DemoTerminalByID(id string) (DemoTerminal, bool) {
	for _, t := range DemoTerminals {
		if t.ID == id {
			return t, true
		}
	}
	return DemoTerminal{}, false
}

// Demo patrons (demopki profile → MyKey ID and service IDs).
const (
	DemoYamadaMyKeyID  = "MY123456"
	DemoYamadaLibCard  = "180000000011"
	DemoYamadaShopCard = "520625"
	DemoSuzukiMyKeyID  = "KEY34567"
	DemoRevokedMyKeyID = "RVK00001"
	DemoExpiredMyKeyID = "EXP00001"
)

// DemoLibraryHandoff are 川崎市立図書館's hand-off settings: number mode by default; for barcode and label modes NW-7
// with start/stop A and a modulus 10 weight 2-1 check digit, the common setting of Japanese library systems.
var DemoLibraryHandoff = mkpf.HandoffSettings{Mode: mkpf.HandoffNumber, Symbology: mkpf.SymNW7, NW7Start: "A",
	NW7Stop: "A", CheckDigit: mkpf.CheckMod10W21, LabelTodayOnly: true}

// DemoShopHandoff are ブレーメン商店街's: number mode, Code128 without check digit for the barcode modes.
var DemoShopHandoff = mkpf.HandoffSettings{Mode: mkpf.HandoffNumber, Symbology: mkpf.SymCode128, CheckDigit: mkpf.CheckNone}

// demoSeeders are further idempotent seeding steps of other halves of the server (points), registered in their
// init functions; SeedDemo runs them after the identity world.
var demoSeeders []func(*Server) error

// RegisterDemoSeeder adds an idempotent seeding step to SeedDemo (for points_demo.go).
func RegisterDemoSeeder(f func(*Server) error) { demoSeeders = append(demoSeeders, f) }

// ErrNotDemoDatabase is returned by SeedDemo for a database that holds a real world (terminals or issuers) without
// the demo: the demo world is never mixed into real data.
var ErrNotDemoDatabase = errors.New("platform: the database holds data that is not the demo world; use --demo with a new database file")

// SeedDemo fills the demo world into an empty database. It is idempotent: on a database that has it already it changes nothing (an
// issuer's hand-off mode switched by the demo stays switched).
func (s *Server) SeedDemo() error {
	// Server processes sharing one PostgreSQL may start together: one seeds, the others then find it seeded.
	return kv.Exclusive(s.db, "seed-demo", s.seedDemo)
}

func (s *Server) seedDemo() error {
	var seeded, empty bool
	s.db.View(func(tx kv.Tx) error {
		seeded = tx.Bucket(bMeta).Get([]byte("demo_seeded")) != nil
		empty = tx.Bucket(bTerminals).Stats().KeyN == 0 && tx.Bucket(bIssuers).Stats().KeyN == 0
		return nil
	})
	if !seeded && !empty {
		return ErrNotDemoDatabase
	}
	if !seeded {
		if err := s.seedIdentityDemo(); err != nil {
			return fmt.Errorf("demo seeding: %w", err)
		}
	}
	for _, f := range demoSeeders {
		if err := f(s); err != nil {
			return fmt.Errorf("demo seeding: %w", err)
		}
	}
	return nil
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
			if err := putJSON(tx.Bucket(bServiceIDs), DemoYamadaMyKeyID+"/"+sv.issuer, rec); err != nil {
				return err
			}
			if err := tx.Bucket(bCardNumbers).Put([]byte(sv.issuer+"/"+sv.number), []byte(DemoYamadaMyKeyID)); err != nil {
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

// SetHandoffMode switches an issuer's hand-off mode keeping its other settings (the GUI demo shows all four modes).
func (s *Server) SetHandoffMode(issuerID string, mode mkpf.HandoffMode) error {
	is, err := s.Issuer(issuerID)
	if err != nil {
		return err
	}
	if is == nil {
		return fmt.Errorf("issuer %q not found", issuerID)
	}
	h := is.Handoff
	h.Mode = mode
	return s.SetHandoff(issuerID, h, nil)
}
