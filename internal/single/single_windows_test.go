//go:build windows

package single

import (
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The single-instance mutex's name and security descriptor (item 5 of issue 18): in the session's namespace, and
// openable by this account, SYSTEM and the Administrators only. Run under wine by internal/wintest (its SDDL parser
// is Windows' own API), and on Windows with go test.
func TestSecurity_SingleInstanceMutexIsLocalAndOnlyThisAccountsToOpen(t *testing.T) {
	if n := MutexName(`C:\ProgramData\mykeyterm`); !strings.HasPrefix(n, `Local\jp.mykeyterm.app-`) {
		t.Errorf("mutex %q is not in the session's Local\\ namespace", n)
	}
	if MutexName(`C:\ProgramData\mykeyterm`) != MutexName(`c:\programdata\MYKEYTERM\`) {
		t.Error("the same folder written differently gives another mutex")
	}
	user, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString(MutexSDDL(user.String()))
	if err != nil {
		t.Fatal(err)
	}
	owner, _, err := sd.Owner()
	if err != nil || !SameAccount(owner, user) {
		t.Fatalf("owner %v (%v), want this account %v", owner, err, user)
	}
	ctl, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	if ctl&windows.SE_DACL_PROTECTED == 0 {
		t.Error("the DACL inherits entries")
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("no DACL: %v", err)
	}
	sys, _ := windows.CreateWellKnownSid(windows.WinLocalSystemSid)
	admins, _ := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	allowed := []*windows.SID{user, sys, admins}
	if int(dacl.AceCount) != len(allowed) {
		t.Fatalf("%d entries in the DACL, want %d (this account, SYSTEM, Administrators)", dacl.AceCount, len(allowed))
	}
	for i := 0; i < int(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, uint32(i), &ace); err != nil {
			t.Fatal(err)
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if !windows.EqualSid(sid, allowed[i]) {
			t.Errorf("entry %d is for %v, want %v", i, sid, allowed[i])
		}
	}
	// Another account's mutex is not a claim.
	if SameAccount(sys, user) || !SameAccount(user, user) {
		t.Error("SameAccount")
	}
}
