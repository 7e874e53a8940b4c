//go:build windows

package main

import (
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/mykeyterm/mykeyterm/app"
)

var procMessageBoxW = windows.NewLazySystemDLL("user32.dll").NewProc("MessageBoxW")

// startError tells the clerk why the app cannot start. The Windows GUI has no console (-H windowsgui): a message on
// stderr would vanish and the app would just not open, so the message is shown in a message box titled with the
// app's name.
func startError(msg string) {
	const mbIconError, mbSetForeground, mbTopMost = 0x10, 0x10000, 0x40000
	text, _ := windows.UTF16PtrFromString(msg)
	caption, _ := windows.UTF16PtrFromString(app.AppName)
	procMessageBoxW.Call(0, uintptr(unsafe.Pointer(text)), uintptr(unsafe.Pointer(caption)), mbIconError|mbSetForeground|mbTopMost)
}
