package platform

import (
	"encoding/hex"
	"errors"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The points part of the demo world (docs/points.md): 川崎市's programs, yamada's 10,000 自治体ポイント and 2,000
// points of a current special event, ブレーメン商店街's merge credentials, and a point-use terminal of 横浜市 for the
// authorisation tests.
const (
	DemoProgramMunicipal = "141305-jichitai" // 川崎市 自治体ポイント
	DemoProgramEvent     = "141305-event"    // a 特定支援イベントポイント in its service period
	DemoProgramReserved  = "141305-ryuho"    // 留保ポイント: never spendable at shops
	DemoProgramForeign   = "141003-jichitai" // 横浜市 自治体ポイント
	DemoMergeKeyHex      = "000102030405060708090a0b0c0d0e0f"
	DemoMergeSecret      = "demo-secret"
	DemoForeignPointUse  = "00060002" // 横浜市 point-use terminal
	DemoForeignPointPass = "yk2p8x4q"
)

func (s *Server) seedDemoPoints() error {
	var done bool
	if err := s.db.View(func(tx kv.Tx) error {
		done = tx.Bucket(bPtKeys).Get([]byte("demo_seeded")) != nil
		return nil
	}); err != nil {
		return err
	}
	if done {
		return nil
	}
	now := s.now().In(jst)
	programs := []mkpf.Program{
		{ID: DemoProgramMunicipal, Kind: mkpf.PointMunicipal, MunicipalityCode: DemoMunicipality, Name: "川崎市 自治体ポイント",
			ExpiryMonths: 24, ExpiryRule: "付与日から2年間（古いポイントから利用）"},
		{ID: DemoProgramEvent, Kind: mkpf.PointEvent, MunicipalityCode: DemoMunicipality, Name: "かわさき子育て応援イベントポイント",
			ValidFrom: now.AddDate(0, -1, 0).Format("2006-01-02"), ValidTo: now.AddDate(0, 6, 0).Format("2006-01-02")},
		{ID: DemoProgramReserved, Kind: mkpf.PointReserved, MunicipalityCode: DemoMunicipality, Name: "川崎市 留保ポイント"},
		{ID: DemoProgramForeign, Kind: mkpf.PointMunicipal, MunicipalityCode: DemoForeign, Name: "横浜市 自治体ポイント"},
	}
	for _, p := range programs {
		if err := s.CreateProgram(p); err != nil {
			return err
		}
	}
	err := s.AddTerminal(TerminalSpec{ID: DemoForeignPointUse, Password: DemoForeignPointPass, Kind: mkpf.KindPointUse,
		Municipality: DemoForeign, Location: "横浜市民ギャラリー 受付"})
	if err != nil && !errors.Is(err, ErrTerminalExists) {
		return err
	}
	key, _ := hex.DecodeString(DemoMergeKeyHex)
	if err := s.SetMergeConfig(DemoShoppingStreet, MergeConfig{Key: key, Secret: DemoMergeSecret, IDMode: "shop_point_id"}); err != nil {
		return err
	}
	for _, g := range []struct {
		id, prog string
		pts      int64
	}{
		{DemoYamadaMyKeyID, DemoProgramMunicipal, 10000},
		{DemoYamadaMyKeyID, DemoProgramEvent, 2000},
		{DemoYamadaMyKeyID, DemoProgramReserved, 500},
		{DemoSuzukiMyKeyID, DemoProgramMunicipal, 3000},
	} {
		if err := s.GrantPoints(g.id, g.prog, g.pts, "demo"); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx kv.Tx) error { return tx.Bucket(bPtKeys).Put([]byte("demo_seeded"), []byte("1")) })
}
