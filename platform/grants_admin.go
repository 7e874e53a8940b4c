package platform

// Admin and demo operations of grants (`mkpf-server admin grant-project add|list|close`, the demo world).

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The grant part of the demo world (docs/grants.md).
const (
	DemoGrantOffice        = "00053063" // grant office PC (業務支援システム) of 川崎市
	DemoGrantOfficePass    = "g7r4nt0f"
	DemoGrantProject       = "GP000001" // 認知症サポーター養成講座: yamada on the roster, suzuki not
	DemoGrantProjectName   = "認知症サポーター養成講座"
	DemoGrantPoints        = 100
	DemoGrantBudget        = 50000
	DemoYamadaEmail        = "yamada@example.jp"
	DemoGrantForeignOffice = "00060003" // a grant office of 横浜市, for the authorisation tests
	DemoGrantForeignPhone  = "00060004" // a point-grant terminal of 横浜市
	DemoGrantForeignPass   = "yk9g3r5t"
)

func (s *Server) seedDemoGrants() error {
	var done bool
	if err := s.db.View(func(tx kv.Tx) error {
		done = tx.Bucket(bGrProjects).Get([]byte(DemoGrantProject)) != nil
		return nil
	}); err != nil {
		return err
	}
	if done {
		return nil
	}
	// The project grants a program of the points demo, whose seeder may come later in the init order.
	if err := s.seedDemoPoints(); err != nil {
		return err
	}
	for _, t := range []TerminalSpec{
		{ID: DemoGrantOffice, Password: DemoGrantOfficePass, Kind: mkpf.KindGrantOffice, Municipality: DemoMunicipality, Location: "川崎市役所 健康福祉局 ポイント付与窓口"},
		{ID: DemoGrantForeignOffice, Password: DemoGrantForeignPass, Kind: mkpf.KindGrantOffice, Municipality: DemoForeign, Location: "横浜市役所 ポイント付与窓口"},
		{ID: DemoGrantForeignPhone, Password: DemoGrantForeignPass, Kind: mkpf.KindPointGrant, Municipality: DemoForeign, Location: "横浜市 ポイント付与アプリ"},
	} {
		if err := s.AddTerminal(t); err != nil && !errors.Is(err, ErrTerminalExists) {
			return err
		}
	}
	id, err := s.AddGrantProject(DemoMunicipality, mkpf.GrantProjectRequest{Name: DemoGrantProjectName, Department: "川崎市 健康福祉局 地域包括ケア推進室",
		PointsPerPerson: DemoGrantPoints, ProgramID: DemoProgramMunicipal, Budget: DemoGrantBudget, Note: "講座の修了者に付与"})
	if err != nil {
		return err
	}
	if id != DemoGrantProject {
		return fmt.Errorf("demo grant project got ID %s, want %s (the database holds other projects)", id, DemoGrantProject)
	}
	if _, _, err := s.AddParticipants(id, []string{DemoYamadaMyKeyID}); err != nil {
		return err
	}
	return s.SetNotices(DemoYamadaMyKeyID, DemoYamadaEmail, []string{NoticeGrant})
}

// AddGrantProject registers a grant project of a municipality (admin) and returns its ID.
func (s *Server) AddGrantProject(municipality string, req mkpf.GrantProjectRequest) (string, error) {
	var id string
	err := s.db.Update(func(tx kv.Tx) error {
		if tx.Bucket(bMunicipality).Get([]byte(municipality)) == nil {
			return fmt.Errorf("municipality %q is not registered", municipality)
		}
		p, err := createProject(tx, s.now(), municipality, "", req)
		if err != nil {
			return adminErr(err)
		}
		id = p.ID
		return nil
	})
	return id, err
}

// adminErr turns an API error into an admin's error text (with every field message).
func adminErr(err error) error {
	var ae *mkpf.APIError
	if !errors.As(err, &ae) {
		return err
	}
	msg := ae.Message
	for _, f := range ae.Fields[min(1, len(ae.Fields)):] {
		msg += " / " + f.Field + ": " + f.Message
	}
	return errors.New(msg)
}

// GrantProjects lists the grant projects (of one municipality when municipality is not "").
func (s *Server) GrantProjects(municipality string) ([]mkpf.GrantProject, error) {
	out := []mkpf.GrantProject{}
	err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bGrProjects).ForEach(func(k, v []byte) error {
			var p grantProjectRec
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if municipality == "" || p.MunicipalityCode == municipality {
				out = append(out, grantProjectView(tx, &p))
			}
			return nil
		})
	})
	return out, err
}

// CloseGrantProject closes a project: no more grants.
func (s *Server) CloseGrantProject(id string) error {
	return s.db.Update(func(tx kv.Tx) error {
		p, err := getGrantProject(tx, id)
		if err != nil {
			return err
		}
		if p == nil {
			return fmt.Errorf("grant project %q not found", id)
		}
		return closeProject(tx, s.now(), p)
	})
}

// AddParticipants puts MyKey IDs on a project's roster, all or nothing (admin, demo, tests).
func (s *Server) AddParticipants(projectID string, myKeyIDs []string) (added, already int, err error) {
	err = s.db.Update(func(tx kv.Tx) error {
		p, err := getGrantProject(tx, projectID)
		if err != nil {
			return err
		}
		if p == nil {
			return fmt.Errorf("grant project %q not found", projectID)
		}
		added, already, err = addMembers(tx, p, append([]string(nil), myKeyIDs...))
		return adminErr(err)
	})
	return added, already, err
}
