package terminal

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The architecture's arrows (docs/architecture.md), checked on the code itself.

const module = "github.com/mykeyterm/mykeyterm"

// goList runs `go list` with args in the module (tags none unless args say so) and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return strings.Fields(string(out))
}

// The release GUI (no build tags) links neither the reference server, the demo PKI nor the virtual cards; the demo
// build (-tags demo) does.
func TestReleaseBuild_LinksNoDemoWorld(t *testing.T) {
	demoOnly := []string{module + "/platform", module + "/internal/demopki", module + "/cardio/vcard"}
	has := func(deps []string, p string) bool {
		for _, d := range deps {
			if d == p {
				return true
			}
		}
		return false
	}
	release := goList(t, "-deps", module)
	for _, p := range demoOnly {
		if has(release, p) {
			t.Errorf("the release GUI links %s (go list -deps . without -tags demo)", p)
		}
	}
	if !has(release, module+"/terminal") {
		t.Errorf("the release GUI does not link the terminal layer")
	}
	demo := goList(t, "-tags", "demo", "-deps", module)
	for _, p := range demoOnly {
		if !has(demo, p) {
			t.Errorf("the demo build does not link %s: -tags demo lost its world", p)
		}
	}
	for _, cmd := range []string{module + "/cmd/mykeyterm-cli"} {
		for _, p := range demoOnly {
			if has(goList(t, "-deps", cmd), p) {
				t.Errorf("%s links %s", cmd, p)
			}
		}
	}
}

// Fyne only in app/ and the GUI's main; platformclient is a pure client (no printing, no hand-off, no terminal
// layer); the terminal layer has no Fyne; nothing below app imports app.
func TestArrows_NeverExist(t *testing.T) {
	lines := goList(t, "-f", "{{.ImportPath}}:{{join .Imports \",\"}}", "./...")
	for _, l := range lines {
		pkg, imps, _ := strings.Cut(l, ":")
		for _, imp := range strings.Split(imps, ",") {
			switch {
			case strings.HasPrefix(imp, "fyne.io/") && pkg != module && pkg != module+"/app":
				t.Errorf("%s imports Fyne (%s): Fyne belongs to app/ and main only", pkg, imp)
			case pkg == module+"/platformclient" && (imp == module+"/printing" || imp == module+"/handoff" || imp == module+"/terminal"):
				t.Errorf("platformclient imports %s: it is a pure client", imp)
			case imp == module+"/app" && pkg != module:
				t.Errorf("%s imports app: the screens are the top", pkg)
			case imp == module+"/terminal" && (pkg == module+"/platformclient" || pkg == module+"/cardio" || pkg == module+"/mkpf" ||
				pkg == module+"/platform" || pkg == module+"/printing" || pkg == module+"/handoff"):
				t.Errorf("%s imports the terminal layer, which sits above it", pkg)
			}
		}
	}
}

// The screens render; the rules are the terminal layer's. app/'s non-test files may not parse amounts, days or
// delays themselves (no strconv), draw idempotency keys of their own, define Japan time, filter reserved points,
// subtract points, or define the rule functions that moved here.
func TestApp_HoldsNoRuleTheTerminalLayerOwns(t *testing.T) {
	files, err := filepath.Glob("../app/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no app sources: %v", err)
	}
	forbiddenImports := map[string]string{
		"strconv":       "amounts, days and delays are parsed by terminal (ParsePoints, ParseDay, ParseKeyDelay)",
		"crypto/rand":   "idempotency keys come from the client's journal (platformclient.NewIdempotencyKey)",
		"crypto/sha256": "requests are recognised by the client's journal, not by the screens",
	}
	forbiddenFuncs := map[string]bool{"parsePoints": true, "parseDay": true, "validCardNumber": true, "halfWidth": true,
		"normalizeShopCard": true, "opSig": true}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if why, bad := forbiddenImports[p]; bad {
				t.Errorf("%s imports %s: %s", f, p, why)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if forbiddenFuncs[x.Name.Name] {
					t.Errorf("%s defines %s: the rule lives in package terminal", fset.Position(x.Pos()), x.Name.Name)
				}
			case *ast.TypeSpec:
				if x.Name.Name == "opKeys" {
					t.Errorf("%s defines opKeys: the client's journal is the one idempotency mechanism", fset.Position(x.Pos()))
				}
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok {
					switch {
					case id.Name == "time" && (x.Sel.Name == "FixedZone" || x.Sel.Name == "LoadLocation"):
						t.Errorf("%s defines a time zone: Japan time is terminal.JST", fset.Position(x.Pos()))
					case id.Name == "mkpf" && x.Sel.Name == "PointReserved":
						t.Errorf("%s decides about reserved points: terminal.Spendable does", fset.Position(x.Pos()))
					}
				}
			case *ast.BinaryExpr:
				if x.Op == token.SUB && (isPoints(x.X) || isPoints(x.Y)) {
					t.Errorf("%s subtracts points: terminal.BalanceAfter does", fset.Position(x.Pos()))
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d app files checked", checked)
	}
}

func isPoints(e ast.Expr) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == "Points"
}

// Navigation in one place: only app/nav.go constructs screens (newScreenNN, newSettings); the screens call its
// transitions.
func TestApp_OnlyNavConstructsScreens(t *testing.T) {
	files, _ := filepath.Glob("../app/*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "nav.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); ok && (strings.HasPrefix(id.Name, "newScreen") || id.Name == "newSettings") {
				t.Errorf("%s calls %s: transitions go through app/nav.go", fset.Position(call.Pos()), id.Name)
			}
			return true
		})
	}
}

// One Japan time zone: mkpf.JST. No other non-test file defines one.
func TestOneJapanTimeZone(t *testing.T) {
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if (strings.Contains(string(b), "time.FixedZone(") || strings.Contains(string(b), "time.LoadLocation(")) &&
			filepath.ToSlash(path) != "../mkpf/points_csv.go" {
			t.Errorf("%s defines a time zone: use mkpf.JST (terminal.JST)", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// One clerk-error type: mkpf.ClerkError. No other non-test file declares a struct type named Error or ClerkError
// (cardio.Error, platformclient.Error, handoff.Error, printing.Error, mergefile.Error and terminal.ClerkError are
// aliases of it).
func TestOneClerkErrorType(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, sp := range gd.Specs {
				ts := sp.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); !isStruct || ts.Assign.IsValid() {
					continue
				}
				if (ts.Name.Name == "Error" || ts.Name.Name == "ClerkError") && filepath.ToSlash(path) != "../mkpf/clerk.go" {
					t.Errorf("%s declares its own clerk-error type %s: use mkpf.ClerkError (type Error = mkpf.ClerkError)", path, ts.Name.Name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The point screens render; the state-changing point calls and the voucher-code check go through the terminal
// layer's flows (UsePoints, IssueVoucher, ReissueVoucher, ReadVoucher, ClearVoucher, MergePoints), the same functions
// the CLI calls. No screen calls the points service's Use, IssueVoucher, ReissueVoucher, ShowVoucher, ClearVoucher or
// Merge itself, nor parses a voucher code.
func TestApp_PointScreensCallTheTerminalFlows(t *testing.T) {
	files, err := filepath.Glob("../app/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no app sources: %v", err)
	}
	flows := map[string]string{"Use": "UsePoints", "IssueVoucher": "IssueVoucher", "ReissueVoucher": "ReissueVoucher",
		"ShowVoucher": "ReadVoucher", "ClearVoucher": "ClearVoucher", "Merge": "MergePoints"}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if recv, ok := sel.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "svc" {
				if flow, bad := flows[sel.Sel.Name]; bad {
					t.Errorf("%s calls the points service's %s itself: call terminal.%s", fset.Position(call.Pos()), sel.Sel.Name, flow)
				}
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "mkpf" && sel.Sel.Name == "ParseVoucherInput" {
				t.Errorf("%s parses a voucher code: terminal.VoucherCode does", fset.Position(call.Pos()))
			}
			return true
		})
	}
}
