//go:build !android

package main

import "github.com/mykeyterm/mykeyterm/cardio"

// phoneLayout is the default of --phone: off on a PC (the grant screens 77-79 also run in the desktop layout on a
// Windows tablet with a PC/SC reader).
const phoneLayout = false

// cardSource is the PC/SC reader (WinSCard on Windows, pcscd on Linux).
func cardSource() (cardio.Source, func(), error) {
	p, err := cardio.NewPCSC()
	if err != nil {
		return nil, nil, err
	}
	return p, func() {}, nil
}
