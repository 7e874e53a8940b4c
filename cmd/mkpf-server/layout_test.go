package main

import (
	"strings"
	"testing"
)

// platformLeaves are the packages split out of package platform along its domains (docs/architecture.md). Each
// serves package platform and imports nothing of it.
var platformLeaves = []string{"httpapi", "kv", "ledger", "mail", "pki", "secrets"}

// TestPlatformLeaves_DoNotImportPlatform: imports go one way, platform → its leaf packages. A leaf that imported
// package platform back (directly or through another package, in the release or the demo build) would make the split a
// circle again; a new package under platform/ must be named here to be checked. (A leaf's external tests, package
// x_test, may drive it through the whole server: kv's store tests do.)
func TestPlatformLeaves_DoNotImportPlatform(t *testing.T) {
	root := module + "/platform"
	listed := strings.Fields(goTool(t, "list", root+"/..."))
	for _, p := range listed {
		if p != root && !strings.HasPrefix(p, root+"/") {
			t.Fatalf("go list %s/... gave %s", root, p)
		}
		if name := strings.TrimPrefix(p, root+"/"); p != root && !contains(platformLeaves, name) {
			t.Errorf("%s is not in platformLeaves: add it (and to docs/architecture.md) once it imports nothing of platform", p)
		}
	}
	for _, leaf := range platformLeaves {
		pkg := root + "/" + leaf
		if !contains(listed, pkg) {
			t.Errorf("%s is gone: update platformLeaves and docs/architecture.md", pkg)
			continue
		}
		for _, tags := range [][]string{nil, {"-tags", "demo"}} {
			args := append(append([]string{"list"}, tags...), "-deps", pkg)
			for _, dep := range strings.Fields(goTool(t, args...)) {
				if dep == root {
					t.Errorf("%s imports package platform (go %s): imports go one way, platform → %s", pkg, strings.Join(args, " "), leaf)
				}
			}
		}
	}
	// The check above can fail: package platform itself does import its leaves.
	if deps := strings.Fields(goTool(t, "list", "-deps", root)); !contains(deps, root+"/httpapi") {
		t.Errorf("package platform does not import platform/httpapi: is go list reading this module?")
	}
}
