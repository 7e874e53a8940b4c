package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/platform"
)

const module = "github.com/mykeyterm/mykeyterm"

// goTool runs the go command in the module root and returns its standard output.
func goTool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestReleaseServer_LinksNoDemoWorld: the release mkpf-server (no build tags) links neither the demo PKI with its
// private keys (internal/demopki) nor the demo world's seeding with the demo roster's passwords; the demo build
// (-tags demo) does. Checked on the package graph and on the built binary, whose `serve --demo` says what to build.
func TestReleaseServer_LinksNoDemoWorld(t *testing.T) {
	demopki := module + "/internal/demopki"
	if deps := strings.Fields(goTool(t, "list", "-deps", module+"/cmd/mkpf-server")); contains(deps, demopki) {
		t.Errorf("the release mkpf-server links %s (go list -deps ./cmd/mkpf-server)", demopki)
	}
	if deps := strings.Fields(goTool(t, "list", "-tags", "demo", "-deps", module+"/cmd/mkpf-server")); !contains(deps, demopki) {
		t.Errorf("the demo build of mkpf-server does not link %s: -tags demo lost its world", demopki)
	}

	bin := filepath.Join(t.TempDir(), "mkpf-server")
	goTool(t, "build", "-o", bin, "./cmd/mkpf-server")
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"the demo merge key":                    platform.DemoMergeKeyHex,
		"the demo grant office's password":      platform.DemoGrantOfficePass,
		"the foreign point terminal's password": platform.DemoForeignPointPass,
	}
	for _, dt := range platform.DemoTerminals {
		secrets["the password of demo terminal "+dt.ID] = dt.Password
	}
	for what, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the release mkpf-server binary holds %s (%q)", what, s)
		}
	}
	out, err := exec.Command(bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "p.db")).CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "-tags demo") {
		t.Errorf("release serve --demo: exit %d, %s", code, out)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
