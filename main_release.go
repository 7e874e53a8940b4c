//go:build !demo

package main

// The release build has no demo world: --demo only says how to get one.

import (
	"context"
	"flag"

	"github.com/mykeyterm/mykeyterm/terminal"
)

type demoOptions struct{ on *bool }

func demoFlags() *demoOptions {
	return &demoOptions{on: flag.Bool("demo", false, "demo mode is only in the demo build (go build -tags demo, make run)")}
}

// ErrNoDemo is the answer of the release build to --demo.
var ErrNoDemo = &terminal.ClerkError{Message: "この版にはデモモードがありません。デモは `make run`（`go build -tags demo` でビルドした版）の --demo で起動してください。"}

func openDemoWorld(_ context.Context, _ string, o *demoOptions) (*world, error) {
	if *o.on {
		return nil, ErrNoDemo
	}
	return nil, nil
}
