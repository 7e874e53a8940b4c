//go:build demo

package main

// The demo build (`go build -tags demo`, `make run`): --demo runs the reference platform embedded with the demo world
// and the virtual cards (package app's DemoEnv). Only this build links platform, internal/demopki and cardio/vcard.

import (
	"context"
	"flag"
	"path/filepath"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/app"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// demoOptions are the demo build's flags.
type demoOptions struct {
	on       *bool
	ready    *bool
	mode     *string
	terminal *string
	printer  *string
}

func demoFlags() *demoOptions {
	return &demoOptions{
		on:       flag.Bool("demo", false, "run with the reference platform embedded (temporary database, demo data) and virtual cards"),
		ready:    flag.Bool("demo-ready", false, "demo: enroll the demo library terminal and register its contact, open at the menu"),
		mode:     flag.String("demo-mode", "", "demo: the demo library's hand-off mode: number, barcode, wedge or label"),
		terminal: flag.String("demo-terminal", "00052489", "demo: the roster terminal --demo-ready enrolls (e.g. 00052589 point use, 00053059 vouchers)"),
		// The points real-window tests print to a PDF file.
		printer: flag.String("demo-printer", "", "demo: set the terminal's printer at start (a printing.Open spec, e.g. pdf:/tmp/print.pdf)"),
	}
}

// openDemoWorld starts the demo world when --demo is given, else returns nil (the release world is used).
func openDemoWorld(ctx context.Context, _ string, o *demoOptions) (*world, error) {
	if !*o.on {
		return nil, nil
	}
	env, err := app.StartDemo(ctx)
	if err != nil {
		return nil, err
	}
	if *o.mode != "" {
		if err := env.SetMode(mkpf.HandoffMode(*o.mode)); err != nil {
			env.Close()
			return nil, err
		}
	}
	return &world{
		src:     env.Source,
		dataDir: filepath.Join(env.Dir, "terminal"),
		ready: func(ctx context.Context, client *platformclient.Client, svc *app.Services) error {
			svc.PlatformURL, svc.Demo = env.URL, true
			if *o.ready {
				if err := env.Prepare(ctx, client, *o.terminal); err != nil {
					return err
				}
			}
			if *o.printer != "" {
				set := svc.Settings.Load()
				set.Printer = *o.printer
				return svc.Settings.Save(set)
			}
			return nil
		},
		side:  func() fyne.CanvasObject { return app.NewDemoPanel(env.Panel()) },
		close: env.Close,
	}, nil
}
