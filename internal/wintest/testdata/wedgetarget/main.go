//go:build windows

// Command wedgetarget is the wine tests' stand-in for the library system (ILS): a Win32 window titled "ILS card
// number" with a multi-line EDIT control that has the keyboard focus. Whatever arrives in it (the keyboard wedge's
// number and Enter) is written to the file named by its argument, as UTF-8, each time it changes.
package main

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"

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
	procGetModuleHandleW = kernel32.NewProc("GetModuleHandleW")
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
)

var (
	edit uintptr
	out  string
	last string
)

func wndProc(hwnd uintptr, m uint32, w, l uintptr) uintptr {
	switch m {
	case wmSetFocus, wmActivate:
		if edit != 0 {
			procSetFocus.Call(edit)
		}
		if m == wmSetFocus {
			return 0
		}
	case wmTimer:
		buf := make([]uint16, 4096)
		n, _, _ := procGetWindowTextW.Call(edit, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if s := syscall.UTF16ToString(buf[:n]); s != last {
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
