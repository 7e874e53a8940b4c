// Command mykeyterm is the counter terminal's GUI 「マイキープラットフォーム等活用ソフト」: it wires the card reader, the
// platform client and the hand-off code into the screens of package app. `mykeyterm --demo` runs the reference
// platform embedded with the demo world and virtual cards (see docs/app.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/mykeyterm/mykeyterm/app"
	"github.com/mykeyterm/mykeyterm/assets"
	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/single"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// demoPrinter (demo mode) sets the terminal's printer at start; the points real-window tests print to a PDF file.
var demoPrinter = flag.String("demo-printer", "", "demo: set the terminal's printer at start (a printing.Open spec, e.g. pdf:/tmp/print.pdf)")

func main() {
	demo := flag.Bool("demo", false, "run with the reference platform embedded (temporary database, demo data) and virtual cards")
	dataDir := flag.String("data-dir", defaultDataDir(), "the terminal's data directory")
	ready := flag.Bool("demo-ready", false, "demo: enroll the demo library terminal and register its contact, open at the menu")
	mode := flag.String("demo-mode", "", "demo: the demo library's hand-off mode: number, barcode, wedge or label")
	terminal := flag.String("demo-terminal", "00052489", "demo: the roster terminal --demo-ready enrolls (e.g. 00052589 point use, 00053059 vouchers)")
	flag.Parse()
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Println("mykeyterm: 画面（ディスプレイ）がありません。デスクトップで起動するか、仮想画面で実行してください:\n" +
			"  xvfb-run -a -s '-screen 0 1280x900x24' ./mykeyterm --demo\n" +
			"No display ($DISPLAY and $WAYLAND_DISPLAY are empty): run it on a desktop, or under Xvfb as above.")
		return
	}
	defer single.Claim(*dataDir, app.AppName)() // a second start brings this window forward and exits
	if err := run(*demo, *dataDir, *ready, *terminal, mkpf.HandoffMode(*mode)); err != nil {
		fmt.Fprintln(os.Stderr, "mykeyterm:", app.Message(err))
		os.Exit(1)
	}
}

func run(demo bool, dataDir string, ready bool, terminal string, mode mkpf.HandoffMode) error {
	ctx := context.Background()
	var src cardio.Source
	var env *app.DemoEnv
	if demo {
		var err error
		if env, err = app.StartDemo(ctx); err != nil {
			return err
		}
		defer env.Close()
		dataDir, src = filepath.Join(env.Dir, "terminal"), env.Source
		if mode != "" {
			if err := env.SetMode(mode); err != nil {
				return err
			}
		}
	} else {
		p, err := cardio.NewPCSC()
		if err != nil {
			return err
		}
		src = p
	}
	client, err := platformclient.Open(dataDir, platformclient.Options{})
	if err != nil {
		return err
	}
	defer client.Close()
	svc := app.RealServices(src, client, app.PatronProfile())
	if env != nil {
		svc.PlatformURL, svc.Demo = env.URL, true
		if ready {
			if err := env.Prepare(ctx, client, terminal); err != nil {
				return err
			}
		}
		if *demoPrinter != "" {
			set := svc.Settings.Load()
			set.Printer = *demoPrinter
			if err := svc.Settings.Save(set); err != nil {
				return err
			}
		}
	}
	_ = app.SetLanguage(svc.Settings.Load().Language)

	a := fyneapp.NewWithID("jp.mykeyterm.app")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	a.Settings().SetTheme(app.NewTheme(1.25))
	w := a.NewWindow(app.AppName)
	w.Resize(fyne.NewSize(1240, 780))
	var side fyne.CanvasObject
	if env != nil {
		side = app.NewDemoPanel(env.Panel())
	}
	ui := app.New(w, svc, side)
	a.Lifecycle().SetOnEnteredForeground(func() { ui.SetForeground(true) })
	a.Lifecycle().SetOnExitedForeground(func() { ui.SetForeground(false) })
	ui.Start()
	w.ShowAndRun()
	ui.Close()
	return nil
}

// defaultDataDir is the terminal's state folder: %ProgramData%\mykeyterm on Windows (per machine), the user's config
// folder elsewhere (platformclient.DefaultDataDir).
func defaultDataDir() string { return platformclient.DefaultDataDir() }
