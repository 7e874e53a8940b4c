//go:build windows

package single

import (
	"errors"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32                  = windows.NewLazySystemDLL("user32.dll")
	procFindWindowW         = user32.NewProc("FindWindowW")
	procShowWindow          = user32.NewProc("ShowWindow")
	procIsIconic            = user32.NewProc("IsIconic")
	procSetForegroundWindow = user32.NewProc("SetForegroundWindow")
	procBringWindowToTop    = user32.NewProc("BringWindowToTop")
	procMessageBoxW         = user32.NewProc("MessageBoxW")
)

const (
	swRestore      = 9
	swShow         = 5
	mbIconInfo     = 0x40
	mbSetForegound = 0x10000
	mbTopMost      = 0x40000
)

// glfwClass is the window class of every Fyne (GLFW 3) window.
const glfwClass = "GLFW30"

// Claim takes the named mutex Global\jp.mykeyterm.app-<key of dir> (one per state folder for the whole machine, so
// two users signed in at once cannot share the folder either). When another process holds it, Claim brings that
// process's window titled title to the front (restoring it when minimized) and ends this process with exit code 0.
// The returned function releases the claim.
func Claim(dir, title string) (release func()) {
	name, _ := windows.UTF16PtrFromString(`Global\jp.mykeyterm.app-` + key(dir))
	h, err := windows.CreateMutex(nil, false, name)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		if h != 0 {
			windows.CloseHandle(h)
		}
		if !raise(title, 15*time.Second) {
			msg, _ := windows.UTF16PtrFromString(title + "は既に起動しています。\n" +
				"画面が見つからない場合は、別のユーザーがこのパソコンで使用中です。そのユーザーで終了してから起動してください。")
			cap, _ := windows.UTF16PtrFromString(title)
			procMessageBoxW.Call(0, uintptr(unsafe.Pointer(msg)), uintptr(unsafe.Pointer(cap)), mbIconInfo|mbSetForegound|mbTopMost)
		}
		os.Exit(0)
	}
	if err != nil || h == 0 {
		return func() {} // no claim possible (should not happen): run rather than refuse to start
	}
	return func() { windows.CloseHandle(h) }
}

// raise finds the running instance's window (it may still be starting: waits up to d) and brings it forward.
func raise(title string, d time.Duration) bool {
	cls, _ := windows.UTF16PtrFromString(glfwClass)
	t, _ := windows.UTF16PtrFromString(title)
	for deadline := time.Now().Add(d); ; time.Sleep(250 * time.Millisecond) {
		hwnd, _, _ := procFindWindowW.Call(uintptr(unsafe.Pointer(cls)), uintptr(unsafe.Pointer(t)))
		if hwnd != 0 && windows.IsWindowVisible(windows.HWND(hwnd)) {
			if iconic, _, _ := procIsIconic.Call(hwnd); iconic != 0 {
				procShowWindow.Call(hwnd, swRestore)
			} else {
				procShowWindow.Call(hwnd, swShow)
			}
			procBringWindowToTop.Call(hwnd)
			procSetForegroundWindow.Call(hwnd)
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
