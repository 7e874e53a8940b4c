//go:build windows

package winunit

import (
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/mykeyterm/mykeyterm/platformclient"
)

// The state folder's protection (docs/windows.md; issue 18 item 5): the access lists the folder and its state file
// are made with pass the check, and the ones a user could have left (the earlier "Users modify", a folder owned by a
// user, no access list at all, Everyone full control) are refused.
func TestSecurity_StateFolderAccessListsAreCheckedForOwnerAndUsersRights(t *testing.T) {
	for _, c := range []struct {
		name, sddl string
		forbidden  uint32
		want       string // "" ok, else a part of the problem
	}{
		{"the folder as made", platformclient.DataDirSDDL, platformclient.RightsChangeFolder, ""},
		{"the state file as made", platformclient.StateFileSDDL, platformclient.RightsChangeFile, ""},
		{"the state file's entries on the folder", platformclient.StateFileSDDL, platformclient.RightsChangeFolder, "が変更できます"},
		{"the earlier folder: Users modify", "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;BU)", platformclient.RightsChangeFolder, "が変更できます"},
		{"owned by Users", "O:BUD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)", platformclient.RightsChangeFolder, "所有者が管理者ではありません"},
		{"owned by a user account", "O:S-1-5-21-1-2-3-1001D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", platformclient.RightsChangeFolder, "所有者が管理者ではありません"},
		{"Everyone full control", "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;WD)", platformclient.RightsChangeFolder, "が変更できます"},
		{"Authenticated Users may delete the file", "O:BAD:PAI(A;;FA;;;SY)(A;;0x1301bf;;;AU)", platformclient.RightsChangeFile, "が変更できます"},
		{"a user may change the file's permissions", "O:BAD:PAI(A;;FA;;;BA)(A;;0x40000;;;S-1-5-21-1-2-3-1001)", platformclient.RightsChangeFile, "が変更できます"},
		{"TrustedInstaller owns it", "O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464D:PAI(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)", platformclient.RightsChangeFolder, ""},
		{"a deny entry only narrows", "O:BAD:PAI(D;OICI;FA;;;BU)(A;OICI;FA;;;BA)", platformclient.RightsChangeFolder, ""},
	} {
		sd, err := windows.SecurityDescriptorFromString(c.sddl)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := platformclient.CheckSecurity(sd, c.forbidden)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: CheckSecurity says %q, want %q", c.name, got, c.want)
		}
	}
	// No access list at all (a NULL DACL: everyone may do everything), built directly (wine's SDDL parser makes
	// "D:NO_ACCESS_CONTROL" an empty list instead).
	sd, err := windows.NewSecurityDescriptor()
	if err != nil {
		t.Fatal(err)
	}
	admins, _ := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	if err := sd.SetOwner(admins, false); err != nil {
		t.Fatal(err)
	}
	if err := sd.SetDACL(nil, true, false); err != nil {
		t.Fatal(err)
	}
	if got := platformclient.CheckSecurity(sd, platformclient.RightsChangeFolder); !strings.Contains(got, "アクセス権の制限がありません") {
		t.Errorf("a NULL DACL: CheckSecurity says %q", got)
	}
}
