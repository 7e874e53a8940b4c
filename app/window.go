package app

import "fyne.io/fyne/v2"

// WindowSize is the counter window's size at start (main.go); the golden images are rendered at it, so what the
// clerk would see clipped is clipped in the goldens too.
var WindowSize = fyne.NewSize(1240, 780)

// PhoneSize is the grant phone's window (portrait, about a 6-inch phone): screens 77-79 with Services.Phone. The
// phone goldens are rendered at it.
var PhoneSize = fyne.NewSize(390, 844)

// PhoneWidthMin is the narrowest phone the grant app must fit (360 dp; PhoneSize is a 390 dp phone, and up to 412 dp
// are common): the fold walk (assertAboveTheFold) fails a phone screen wider than this.
const PhoneWidthMin float32 = 360
