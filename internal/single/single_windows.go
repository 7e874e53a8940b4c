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

// Claim takes the named mutex Local\jp.mykeyterm.app-<key of dir>: one per state folder in this sign-in session,
// created with a security descriptor that lets only this account (and SYSTEM and the Administrators) open it
// (MutexSDDL). When this account's other process holds it, Claim brings that process's window titled title to the
// front (restoring it when minimized) and ends this process with exit code 0. A mutex of that name made by another
// account first (squatting, to make the app exit as "already running") is not a claim: the app starts, and two
// processes on one state folder are still kept apart by the state file's own lock (platformclient.ErrStateLocked,
// which also stops a second Windows user's session from using the folder at the same time). The returned function
// releases the claim.
func Claim(dir, title string) (release func()) {
	user, err := currentUser()
	if err != nil {
		return func() {} // no token (should not happen): run rather than refuse to start
	}
	sd, err := windows.SecurityDescriptorFromString(MutexSDDL(user.String()))
	if err != nil {
		return func() {}
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	name, _ := windows.UTF16PtrFromString(MutexName(dir))
	h, err := windows.CreateMutex(sa, false, name)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		owner, oerr := mutexOwner(h)
		if h != 0 {
			windows.CloseHandle(h)
		}
		if oerr != nil || !SameAccount(owner, user) {
			return func() {} // squatted by another account: not a running instance of ours
		}
		if !raise(title, 15*time.Second) {
			msg, _ := windows.UTF16PtrFromString(title + "は既に起動しています。\n" +
				"画面が見つからない場合は、タスクマネージャーで mykeyterm.exe を終了してから起動してください。")
			cap, _ := windows.UTF16PtrFromString(title)
			procMessageBoxW.Call(0, uintptr(unsafe.Pointer(msg)), uintptr(unsafe.Pointer(cap)), mbIconInfo|mbSetForegound|mbTopMost)
		}
		os.Exit(0)
	}
	if err != nil || h == 0 {
		// ERROR_ACCESS_DENIED: another account made the name first and keeps us out. Not a claim either.
		return func() {}
	}
	return func() { windows.CloseHandle(h) }
}

// MutexName is the single-instance mutex of the state folder dir, in this session's namespace (Local\).
func MutexName(dir string) string { return `Local\jp.mykeyterm.app-` + key(dir) }

// MutexSDDL is the security descriptor of the single-instance mutex: owned by the user (SID userSID), full access
// for that user, SYSTEM and the Administrators only (a protected DACL: nothing inherited, nobody else can open it).
func MutexSDDL(userSID string) string {
	return "O:" + userSID + "D:P(A;;GA;;;" + userSID + ")(A;;GA;;;SY)(A;;GA;;;BA)"
}

// SameAccount reports whether the mutex's owner is this process's account.
func SameAccount(owner, user *windows.SID) bool {
	return owner != nil && user != nil && windows.EqualSid(owner, user)
}

// currentUser is the SID of this process's account.
func currentUser() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	return tu.User.Sid.Copy()
}

// mutexOwner is the owner recorded in the mutex's security descriptor.
func mutexOwner(h windows.Handle) (*windows.SID, error) {
	if h == 0 {
		return nil, windows.ERROR_INVALID_HANDLE
	}
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return nil, err
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return nil, err
	}
	return owner.Copy()
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
