package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// Screen 76 through the CLI: the MyKey ID a participant declares is registered for their roster entry (§V(5)); a
// malformed one is refused in Japanese and nothing is written.
func TestScreen76_RosterRegisterIDRegistersADeclaredMyKeyID(t *testing.T) {
	env := testenv.Platform(t)
	id, err := env.Server.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: "申告の事業", Department: "健康福祉局",
		PointsPerPerson: 100, ProgramID: platform.DemoProgramMunicipal, Budget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	office := enrolledDir(t, env, platform.DemoGrantOffice)
	var x grant.Participant
	json.Unmarshal([]byte(mustCLI(t, office, "roster", "add", "--project", id, "--name", "鈴木一郎", "--birth", "1960/4/1", "--json")), &x)
	if x.ID == "" || x.MyKeyID != "" {
		t.Fatalf("roster add: %+v", x)
	}
	if _, e, code := cli(t, office, "roster", "register-id", "--id", x.ID, "--mykey-id", "abc"); code == 0 || !strings.Contains(e, "マイキーIDは英大文字と数字の8文字") {
		t.Fatalf("malformed ID: %d %s", code, e)
	}
	json.Unmarshal([]byte(mustCLI(t, office, "roster", "register-id", "--id", x.ID, "--mykey-id", platform.DemoSuzukiMyKeyID, "--json")), &x)
	if x.MyKeyID != platform.DemoSuzukiMyKeyID {
		t.Fatalf("register-id: %+v", x)
	}
	if ps, _ := env.Server.GrantProjects(platform.DemoMunicipality); !hasParticipants(ps, id, 1) {
		t.Fatalf("the platform's roster: %+v", ps)
	}
}
