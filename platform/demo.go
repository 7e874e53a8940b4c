package platform

import (
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The demo world (`mkpf-server serve --demo`, the GUI's demo mode, testenv.Platform): the documents' example
// municipality, issuers, 様式II roster and patrons, matching the virtual card's profiles (internal/demopki). Its
// seeding, with the demo PKI's keys, is linked only with -tags demo (demo_world.go); a release build answers
// SeedDemo with ErrNoDemoWorld and links neither internal/demopki nor the seeders (cmd/mkpf-server/arch_test.go).
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
	if !DemoWorldLinked { // a release build (demo_release.go): the rest is not even linked
		return ErrNoDemoWorld
	}
	// Server processes sharing one PostgreSQL may start together: one seeds, the others then find it seeded.
	return kv.Exclusive(s.db, "seed-demo", s.seedDemo)
}

func (s *Server) seedDemo() error {
	var seeded, empty bool
	if err := s.db.View(func(tx kv.Tx) error {
		seeded = tx.Bucket(bMeta).Get([]byte("demo_seeded")) != nil
		issuers, _, _, err := identityOf(tx).counts()
		empty = tx.Bucket(bTerminals).Stats().KeyN == 0 && issuers == 0
		return err
	}); err != nil {
		return err
	}
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

// ErrNoDemoWorld is SeedDemo's answer in a release build, which does not link the demo world.
var ErrNoDemoWorld = errors.New("platform: this is a release build without the demo world; build with -tags demo (e.g. go build -tags demo ./cmd/mkpf-server) to use --demo")
