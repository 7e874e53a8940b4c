package app

import "fyne.io/fyne/v2"

// WindowSize is the counter window's size at start (main.go); the golden images are rendered at it, so what the
// clerk would see clipped is clipped in the goldens too.
var WindowSize = fyne.NewSize(1240, 780)
