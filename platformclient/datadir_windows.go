//go:build windows

package platformclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The state folder %ProgramData%\mykeyterm is shared by every account of the counter PC, so what is in it must not be
// changeable by whoever signs in (docs/windows.md, "Where the state lives"):
//
//   - the folder is owned by the Administrators and its access list is protected (nothing inherited from
//     %ProgramData%, where any user may create folders): SYSTEM and Administrators full control, Users read only — no
//     user can add, rename, delete or re-permission a file in it;
//   - the state file terminal.db alone is also writable by Users (read/write its data: the points journal, tokens
//     and settings the clerk's work changes), still without delete or permission changes;
//   - the folder is made (and an existing one repaired) by an elevated step: the installer runs
//     `mykeyterm-cli.exe state-folder` as administrator (EnsureStateFolder). A program without elevation only checks:
//     a folder with a foreign owner or an access list that lets Users change it is refused with a Japanese message
//     (a user could have made it before the first start, owning it, and swapped its files).
const (
	DataDirSDDL   = "O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
	StateFileSDDL = "O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x12019f;;;BU)"
)

// RightsChangeFolder and RightsChangeFile are the rights that change the folder, or the state file other than its
// data: anyone but SYSTEM, Administrators and TrustedInstaller holding one of them makes the folder untrusted.
const (
	fileAddFile         = 0x2  // FILE_ADD_FILE (FILE_WRITE_DATA on a file)
	fileAddSubdirectory = 0x4  // FILE_ADD_SUBDIRECTORY (FILE_APPEND_DATA)
	fileDeleteChild     = 0x40 // FILE_DELETE_CHILD

	RightsChangeFolder = fileAddFile | fileAddSubdirectory | fileDeleteChild | windows.FILE_WRITE_EA |
		windows.FILE_WRITE_ATTRIBUTES | windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL
	RightsChangeFile = windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_ALL
)

// MsgStateFolderUnsafe is the refusal of a state folder whose owner or access list lets users change it.
const MsgStateFolderUnsafe = "端末のデータのフォルダ（%s）の所有者またはアクセス権が正しくありません（%s）。このままでは端末の鍵と接続先を守れないため起動しません。" +
	"パソコンの管理者が、インストーラー（MKSSetup.exe）をもう一度実行するか、管理者として「mykeyterm-cli.exe state-folder」を実行して直してください。"

// MsgStateFolderMissing: the folder does not exist and this program, without elevation, may not make it.
const MsgStateFolderMissing = "端末のデータのフォルダ（%s）がありません。パソコンの管理者が、インストーラー（MKSSetup.exe）をもう一度実行してください。"

// DefaultDataDir is the terminal's per-machine state folder: %ProgramData%\mykeyterm (C:\ProgramData\mykeyterm), shared
// by the staff accounts of the counter PC.
func DefaultDataDir() string { return filepath.Join(programData(), "mykeyterm") }

func programData() string {
	d, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
	if err != nil || d == "" {
		if d = os.Getenv("ProgramData"); d == "" {
			d = `C:\ProgramData`
		}
	}
	return d
}

// shared reports whether dir is a folder under %ProgramData% (shared by all accounts), where the protection applies;
// a --data-dir in the user's own profile is the user's business.
func shared(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	pd := strings.ToLower(filepath.Clean(programData())) + `\`
	return strings.HasPrefix(strings.ToLower(filepath.Clean(abs))+`\`, pd)
}

// prepareDataDir is the check every start makes: a shared state folder must exist, be owned by the administrators
// and let users change nothing but the state file's data; it is made or repaired here only when this process is
// elevated. A folder elsewhere is made if missing, as the user's own.
func prepareDataDir(dir string) error {
	if !shared(dir) {
		return os.MkdirAll(dir, 0o700)
	}
	return EnsureStateFolder(dir, windows.GetCurrentProcessToken().IsElevated())
}

// EnsureStateFolder checks the shared state folder dir and its state file; with repair (an elevated process: the
// installer's step) it makes a missing folder and file with DataDirSDDL and StateFileSDDL and resets the owner and
// access list of existing ones.
func EnsureStateFolder(dir string, repair bool) error {
	st, err := os.Stat(dir)
	switch {
	case err == nil && !st.IsDir():
		return unsafeFolder(dir, "フォルダではありません")
	case err != nil && !os.IsNotExist(err):
		return err
	case err != nil:
		if !repair {
			return &Error{Op: "open", Message: fmt.Sprintf(MsgStateFolderMissing, dir), Err: err}
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return err
		}
		if err := createWithSDDL(dir, DataDirSDDL, true); err != nil {
			return err
		}
	}
	file := filepath.Join(dir, StateFile)
	if _, err := os.Stat(file); os.IsNotExist(err) && repair {
		if err := createWithSDDL(file, StateFileSDDL, false); err != nil {
			return err
		}
	}
	if underWine() {
		// wine keeps no security descriptors on files (it makes them up from the Unix mode: the owner is always the
		// user), so there is nothing to check; the rules are unit-tested on descriptors (internal/wintest/winunit).
		return nil
	}
	problem := checkObject(dir, RightsChangeFolder)
	if problem == "" {
		if _, err := os.Stat(file); err == nil {
			problem = checkObject(file, RightsChangeFile)
		}
	}
	if problem == "" {
		return nil
	}
	if !repair {
		return unsafeFolder(dir, problem)
	}
	if err := setSDDL(dir, DataDirSDDL); err != nil {
		return unsafeFolder(dir, problem+"、修復できません: "+err.Error())
	}
	if _, err := os.Stat(file); err == nil {
		if err := setSDDL(file, StateFileSDDL); err != nil {
			return unsafeFolder(dir, problem+"、修復できません: "+err.Error())
		}
	}
	if again := checkObject(dir, RightsChangeFolder); again != "" {
		return unsafeFolder(dir, again)
	}
	return nil
}

func unsafeFolder(dir, problem string) error {
	return &Error{Op: "open", Message: fmt.Sprintf(MsgStateFolderUnsafe, dir, problem), Err: errors.New("state folder: " + problem)}
}

// checkObject reads the owner and access list of a file or folder and says what is wrong with them ("" nothing).
func checkObject(path string, forbidden uint32) string {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "アクセス権を読めません"
	}
	return CheckSecurity(sd, forbidden)
}

// CheckSecurity says what is wrong with a security descriptor of the state folder (forbidden: RightsChangeFolder) or
// of its state file (RightsChangeFile) for a folder every account of the PC uses: the owner must be SYSTEM, the
// Administrators or TrustedInstaller, and no one else may hold a forbidden right ("" when it is right).
func CheckSecurity(sd *windows.SECURITY_DESCRIPTOR, forbidden uint32) string {
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return "所有者がありません"
	}
	if !trustedSID(owner) {
		return "所有者が管理者ではありません: " + accountName(owner)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return "アクセス権の制限がありません（全員が変更できます）"
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return "アクセス権を読めません"
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE {
			continue // deny entries only narrow; object entries do not apply to files
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if trustedSID(sid) {
			continue
		}
		if uint32(ace.Mask)&forbidden != 0 {
			return fmt.Sprintf("%s が変更できます", accountName(sid))
		}
	}
	return ""
}

// trustedSID: SYSTEM, the Administrators group and TrustedInstaller (the owners Windows itself uses).
func trustedSID(s *windows.SID) bool {
	for _, k := range []windows.WELL_KNOWN_SID_TYPE{windows.WinLocalSystemSid, windows.WinBuiltinAdministratorsSid} {
		if s.IsWellKnown(k) {
			return true
		}
	}
	return s.String() == "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464" // NT SERVICE\TrustedInstaller
}

func accountName(s *windows.SID) string {
	if acc, dom, _, err := s.LookupAccount(""); err == nil {
		if dom != "" {
			return dom + `\` + acc
		}
		return acc
	}
	return s.String()
}

// createWithSDDL makes a folder or an empty file with the security descriptor sddl.
func createWithSDDL(path, sddl string, dir bool) error {
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return err
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	if dir {
		if err := windows.CreateDirectory(p, sa); err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
			return err
		}
		return nil
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, sa, windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, windows.ERROR_FILE_EXISTS) {
			return nil
		}
		return err
	}
	return windows.CloseHandle(h)
}

// setSDDL resets the owner and the (protected) access list of a file or folder to sddl's.
func setSDDL(path, sddl string) error {
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return err
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION,
		owner, nil, dacl, nil)
}

// underWine reports whether this program runs under wine (its ntdll exports wine_get_version), where file security
// descriptors are not kept.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
