// Command mykeyterm is the counter terminal's GUI 「マイキープラットフォーム等活用ソフト」: it wires the card reader, the
// platform client and the terminal layer (package terminal) into the screens of package app. The release build
// talks to the PC/SC reader and the enrolled platform only; the demo build (`go build -tags demo`, `make run`) adds
// `--demo`, the reference platform embedded with the demo world and virtual cards (main_demo.go, docs/app.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/mykeyterm/mykeyterm/app"
	"github.com/mykeyterm/mykeyterm/assets"
	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/single"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// world is where the cards and the platform come from: the PC/SC reader and the enrolled platform in the release
// build (releaseWorld), the embedded demo world with `-tags demo` and --demo (main_demo.go).
type world struct {
	src     cardio.Source
	dataDir string
	// ready runs once the client is open (demo: enroll the demo terminal, set the printer); nil in the release build.
	ready func(ctx context.Context, client *platformclient.Client, svc *app.Services) error
	// side builds the demo's side panel once the Fyne app exists; nil in the release build.
	side  func() fyne.CanvasObject
	close func()
}

func main() {
	dataDir := flag.String("data-dir", defaultDataDir(), "the terminal's data directory")
	demo := demoFlags()
	phone := flag.Bool("phone", phoneLayout, "the grant phone's layout (portrait, screens 77-79): the default on Android")
	flag.Parse()
	dumpStateOnRequest()
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		fmt.Println("mykeyterm: 画面（ディスプレイ）がありません。デスクトップで起動するか、仮想画面で実行してください:\n" +
			"  xvfb-run -a -s '-screen 0 1280x900x24' ./mykeyterm\n" +
			"No display ($DISPLAY and $WAYLAND_DISPLAY are empty): run it on a desktop, or under Xvfb as above.")
		return
	}
	defer single.Claim(*dataDir, app.AppName)() // a second start brings this window forward and exits
	if err := run(*dataDir, demo, *phone); err != nil {
		startError(terminal.Message(err)) // Windows: a message box (the GUI has no console)
		os.Exit(1)
	}
}

// releaseWorld is the terminal's own reader (PC/SC; NFC on Android: cardsource_*.go) and data directory.
func releaseWorld(dataDir string) (*world, error) {
	src, stop, err := cardSource()
	if err != nil {
		return nil, err
	}
	return &world{src: src, dataDir: dataDir, close: stop}, nil
}

func run(dataDir string, demo *demoOptions, phone bool) error {
	ctx := context.Background()
	// The Fyne app and its theme come first: the theme's font is parsed off the main goroutine while the world, the
	// platform client and the window open (app.WarmFonts; cold start, docs/app.md).
	a := fyneapp.NewWithID("jp.mykeyterm.app")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	a.Settings().SetTheme(app.NewTheme(1.25))
	fontsReady := app.WarmFonts()
	var cl closers // the clean-ups, run at the return or when the window closes (exit.go)
	defer cl.run()
	wd, err := openDemoWorld(ctx, dataDir, demo)
	if err != nil {
		return err
	}
	if wd == nil {
		if wd, err = releaseWorld(dataDir); err != nil {
			return err
		}
	}
	cl.add(wd.close)
	client, err := platformclient.Open(wd.dataDir, platformclient.Options{})
	if err != nil {
		return err
	}
	cl.add(func() { client.Close() })
	svc := app.RealServices(wd.src, client, terminal.DefaultPatronProfile())
	svc.Phone = phone
	if wd.ready != nil {
		if err := wd.ready(ctx, client, svc); err != nil {
			return err
		}
	}
	_ = app.SetLanguage(svc.Settings.Load().Language)

	w := a.NewWindow(app.AppName)
	if phone {
		w.SetTitle(app.GrantAppName)
		w.Resize(app.PhoneSize)
	} else {
		w.Resize(app.WindowSize)
	}
	var side fyne.CanvasObject
	if wd.side != nil {
		side = wd.side()
	}
	fontsReady()
	ui := app.New(w, svc, side)
	a.Lifecycle().SetOnEnteredForeground(func() { ui.SetForeground(true) })
	a.Lifecycle().SetOnExitedForeground(func() { ui.SetForeground(false) })
	ui.Start()
	stopFg := make(chan struct{})
	go watchForeground(ui, stopFg)
	cl.add(func() { fyne.DoAndWait(func() { close(stopFg); ui.Close() }) }) // the UI's state lives on its goroutine
	exitOnClose(w, &cl)
	w.ShowAndRun()
	return nil
}

// defaultDataDir is the terminal's state folder: %ProgramData%\mykeyterm on Windows (per machine), the user's config
// folder elsewhere (platformclient.DefaultDataDir).
func defaultDataDir() string { return platformclient.DefaultDataDir() }
