//go:build windows

package main

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/mykeyterm/mykeyterm/app"
)

var (
	user32                       = windows.NewLazySystemDLL("user32.dll")
	procGetForegroundWindow      = user32.NewProc("GetForegroundWindow")
	procGetWindowThreadProcessId = user32.NewProc("GetWindowThreadProcessId")
)

// watchForeground tells ui whether one of this program's windows is the Windows foreground window, as Windows
// itself says (GetForegroundWindow), each time that changes until stop is closed. The keyboard wedge must not type
// while the clerk is in this app; the window's focus events alone can miss the first activation (the window is
// activated before its event handlers are set), the foreground window cannot.
func watchForeground(ui *app.UI, stop <-chan struct{}) {
	self := windows.GetCurrentProcessId()
	last := -1
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for {
		fg := 0
		if h, _, _ := procGetForegroundWindow.Call(); h != 0 {
			var pid uint32
			procGetWindowThreadProcessId.Call(h, uintptr(unsafe.Pointer(&pid)))
			if pid == self {
				fg = 1
			}
		}
		if fg != last {
			last = fg
			inFront.Store(int32(2 - fg))
		}
		// Windows' answer wins over the window's focus events (main.go wires those too, for the other systems): a
		// late focus-in event must not leave the wedge waiting for a background it already has.
		if ui.Foreground() != (fg == 1) {
			ui.SetForeground(fg == 1)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
