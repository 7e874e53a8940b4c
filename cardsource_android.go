//go:build android

package main

import (
	"context"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/nfc/fyneglue"
)

// phoneLayout is the default of --phone: on on Android (the mobile grant app, screens 77-79).
const phoneLayout = true

// cardSource is the phone's NFC reader: taps the app takes itself in NFC reader mode while it is in front, through
// the same APDU allow-list (cardio.Guard) as every other transport. Built only with the Android NDK (make android);
// see docs/grants-app.md "Android".
func cardSource() (cardio.Source, func(), error) {
	ctx, cancel := context.WithCancel(context.Background())
	return fyneglue.Source(ctx, nil), cancel, nil
}
