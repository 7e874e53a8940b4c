package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// Above the program's floor limit `points use --reader` asks the card for its proof: without the PIN it says how to
// give it and moves nothing; with MYKEYTERM_AUTH_PIN it prints the tries left, verifies once and the use goes through.
func TestScreen30_PointUseAboveTheFloorLimitWithThePatronsPIN(t *testing.T) {
	pc := testenv.PCSCD(t)
	defer pc.InsertVirtual(t, "yamada", 0)()
	env := testenv.Platform(t)
	if err := env.Server.SetFloorLimit(platform.DemoProgramMunicipal, 1000); err != nil {
		t.Fatal(err)
	}
	shop := enrolledDir(t, env, "00052589")
	args := []string{"points", "use", "--reader", pc.Reader(0), "--program", platform.DemoProgramMunicipal, "--points", "2000", "--json"}
	t.Setenv(authPINEnv, "")
	if _, e, code := cli(t, shop, args...); code == 0 || !strings.Contains(e, authPINEnv) {
		t.Fatalf("without the PIN: exit %d %s", code, e)
	}
	t.Setenv(authPINEnv, "1234")
	o, e, code := cli(t, shop, args...)
	if code != 0 || !strings.Contains(e, "残り回数: 3") {
		t.Fatalf("with the PIN: exit %d\n%s%s", code, o, e)
	}
	var use mkpf.UseResult
	json.Unmarshal([]byte(o), &use)
	if use.BalanceAfter != 8000 {
		t.Fatalf("one use of 2000 from 10000: %+v", use)
	}
}
