//go:build !windows

package main

import (
	"fmt"
	"os"
)

// startError tells the clerk why the app cannot start (on the terminal it was started from).
func startError(msg string) { fmt.Fprintln(os.Stderr, "mykeyterm:", msg) }
