//go:build !windows

package main

import "github.com/mykeyterm/mykeyterm/app"

// watchForeground: elsewhere the window's focus events (Fyne's lifecycle) tell the app whether it is in front.
func watchForeground(*app.UI, <-chan struct{}) {}
