//go:build windows

// Command wedgetarget is the wine tests' stand-in for the library system (ILS): a Win32 window titled "ILS card
// number" with a multi-line EDIT control that has the keyboard focus. Whatever arrives in it (the keyboard wedge's
// number and Enter) is written to the file named by its argument, as UTF-8, each time it changes. Its window's
// activations and focus changes, and any key that reaches the window instead of the edit control (a key a clerk would
// have lost), are written to the same name plus ".log", so a failing test can say where the keys went.
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"time"

	"golang.org/x/sys/windows"
)

func init() { runtime.LockOSThread() } // the window's messages come to the thread that made it

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	kernel32             = windows.NewLazySystemDLL("kernel32.dll")
	procRegisterClassExW = user32.NewProc("RegisterClassExW")
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDefWindowProcW   = user32.NewProc("DefWindowProcW")
	procGetMessageW      = user32.NewProc("GetMessageW")
	procTranslateMessage = user32.NewProc("TranslateMessage")
	procDispatchMessageW = user32.NewProc("DispatchMessageW")
	procShowWindow       = user32.NewProc("ShowWindow")
	procSetFocus         = user32.NewProc("SetFocus")
	procSetTimer         = user32.NewProc("SetTimer")
	procGetWindowTextW   = user32.NewProc("GetWindowTextW")
	procPostQuitMessage  = user32.NewProc("PostQuitMessage")
	procGetClassNameW    = user32.NewProc("GetClassNameW")
	procGetDesktopWindow = user32.NewProc("GetDesktopWindow")

	procGetForegroundWindow      = user32.NewProc("GetForegroundWindow")
	procGetWindowThreadProcessId = user32.NewProc("GetWindowThreadProcessId")
	procGetModuleHandleW         = kernel32.NewProc("GetModuleHandleW")
)

type wndClassEx struct {
	size, style                        uint32
	wndProc                            uintptr
	clsExtra, wndExtra                 int32
	instance, icon, cursor, background windows.Handle
	menuName, className                *uint16
	iconSm                             windows.Handle
}

type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      [2]int32
	_       uint32
}

const (
	wsOverlappedWindow = 0x00CF0000
	wsVisible          = 0x10000000
	wsChild            = 0x40000000
	wsVScroll          = 0x00200000
	esMultiline        = 0x0004
	esAutoVScroll      = 0x0040
	esWantReturn       = 0x1000
	wmDestroy          = 0x0002
	wmSetFocus         = 0x0007
	wmActivate         = 0x0006
	wmTimer            = 0x0113
	wmKillFocus        = 0x0008
	wmKeyDown          = 0x0100
	wmChar             = 0x0102
)

var (
	logFile *os.File
	lastFg  uintptr
)

// describe names a window for the log: its handle, class, title and process.
func describe(h uintptr) string {
	if h == 0 {
		return "none"
	}
	cls := make([]uint16, 256)
	procGetClassNameW.Call(h, uintptr(unsafe.Pointer(&cls[0])), uintptr(len(cls)))
	title := make([]uint16, 256)
	procGetWindowTextW.Call(h, uintptr(unsafe.Pointer(&title[0])), uintptr(len(title)))
	var pid uint32
	procGetWindowThreadProcessId.Call(h, uintptr(unsafe.Pointer(&pid)))
	self := ""
	if pid == windows.GetCurrentProcessId() {
		self = " (this program)"
	}
	if d, _, _ := procGetDesktopWindow.Call(); d == h {
		self = " (the desktop)"
	}
	return fmt.Sprintf("%#x %q %q pid %d%s", h, syscall.UTF16ToString(cls), syscall.UTF16ToString(title), pid, self)
}

// logf notes one event in OUTFILE.log with the time in milliseconds.
func logf(format string, a ...any) {
	if logFile != nil {
		fmt.Fprintf(logFile, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, a...)...)
	}
}

var (
	edit uintptr
	out  string
	last string
)

func wndProc(hwnd uintptr, m uint32, w, l uintptr) uintptr {
	switch m {
	case wmActivate:
		logf("WM_ACTIVATE %d (the other window: %s)", w&0xffff, describe(l))
	case wmSetFocus:
		logf("WM_SETFOCUS (the window, not its edit control)")
	case wmKillFocus:
		logf("WM_KILLFOCUS")
	case wmKeyDown, wmChar:
		logf("key message %#x %q reached the window, not the edit control: lost", m, rune(w))
	}
	switch m {
	case wmSetFocus, wmActivate:
		if edit != 0 {
			procSetFocus.Call(edit)
		}
		if m == wmSetFocus {
			return 0
		}
	case wmTimer:
		if fg, _, _ := procGetForegroundWindow.Call(); fg != lastFg {
			logf("foreground window now %s", describe(fg))
			lastFg = fg
		}
		buf := make([]uint16, 4096)
		n, _, _ := procGetWindowTextW.Call(edit, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if s := syscall.UTF16ToString(buf[:n]); s != last {
			logf("edit control holds %q", s)
			last = s
			_ = os.WriteFile(out+".tmp", []byte(s), 0o644)
			_ = os.Rename(out+".tmp", out)
		}
		return 0
	case wmDestroy:
		procPostQuitMessage.Call(0)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(hwnd, uintptr(m), w, l)
	return r
}

func main() {
	if len(os.Args) != 2 {
		os.Stderr.WriteString("usage: wedgetarget OUTFILE\n")
		os.Exit(2)
	}
	out = os.Args[1]
	logFile, _ = os.OpenFile(out+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	inst, _, _ := procGetModuleHandleW.Call(0)
	cls, _ := windows.UTF16PtrFromString("mykeytermWedgeTarget")
	wc := wndClassEx{wndProc: syscall.NewCallback(wndProc), instance: windows.Handle(inst), className: cls, background: 6}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		panic(err)
	}
	title, _ := windows.UTF16PtrFromString("ILS card number")
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(cls)), uintptr(unsafe.Pointer(title)),
		wsOverlappedWindow|wsVisible, 40, 40, 420, 200, 0, 0, inst, 0)
	if hwnd == 0 {
		panic(err)
	}
	editCls, _ := windows.UTF16PtrFromString("EDIT")
	edit, _, err = procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(editCls)), 0,
		wsChild|wsVisible|wsVScroll|esMultiline|esAutoVScroll|esWantReturn, 10, 10, 380, 130, hwnd, 1, inst, 0)
	if edit == 0 {
		panic(err)
	}
	procShowWindow.Call(hwnd, 5)
	procSetFocus.Call(edit)
	procSetTimer.Call(hwnd, 1, 100, 0)
	var m msg
	for {
		r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 {
			return
		}
		procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
}
