; The Windows installer MKSSetup.exe of マイキープラットフォーム等活用ソフト (seed 004 §I.4), built by
; scripts/build-windows.sh (`make windows`) with Debian's makensis. Per-machine: Program Files, the desktop and
; Start-menu shortcuts for all users, the uninstaller registered in 「プログラムと機能」. Silent: MKSSetup.exe /S
; [/PLATFORM=URL [/PLATFORMCA=FILE]] [/D=dir], Uninstall.exe /S [/PURGE] (see docs/windows.md).
;
; Defines given on makensis's command line: VERSION (1.2.3), VERSION4 (1.2.3.4), SRC (the folder with mykeyterm.exe,
; mykeyterm-cli.exe and icon.ico), OUTFILE, and SIGNCMD (a command that signs the file "%1" in place).

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestDPIAware true

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!define APPNAME "マイキープラットフォーム等活用ソフト"
!define PUBLISHER "mykeyterm project"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\MyKeyTerm"
!define EXE "mykeyterm.exe"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\MyKeyTerm"
BrandingText "${APPNAME} ${VERSION}"

!ifdef SIGNCMD
!finalize '${SIGNCMD} "%1"'
!uninstfinalize '${SIGNCMD} "%1"'
!endif

!define MUI_ICON "${SRC}\icon.ico"
!define MUI_UNICON "${SRC}\icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Japanese"
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "FileDescription" "${APPNAME} セットアップ"
VIAddVersionKey /LANG=${LANG_JAPANESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "LegalCopyright" "${PUBLISHER}"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "このソフトウェアは64ビット版のWindowsが必要です。 / This software needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetShellVarContext all
  SetRegView 64
FunctionEnd

Function un.onInit
  SetShellVarContext all
  SetRegView 64
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  File "${SRC}\${EXE}"
  File "${SRC}\mykeyterm-cli.exe"
  File "${SRC}\icon.ico"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  ; The shared state folder %ProgramData%\mykeyterm, made (or its owner and access list repaired) by this elevated
  ; step: owner Administrators, Users read-only but for the state file's data (docs/windows.md). The program itself,
  ; run by a clerk, only checks it. /PLATFORM=URL [/PLATFORMCA=FILE] pin the platform (and its private CA) in HKLM:
  ; the terminal then connects to that platform only, whatever a staff account writes in the state file; without a
  ; pin, a clerk's (non-elevated) enrolment is refused. Without the options an existing pin is kept.
  ; The options are read by the step itself from the installer's command line (NSIS's GetOptions cuts a value at its
  ; next "/", which every URL has).
  ${GetParameters} $R0
  System::Call 'kernel32::SetEnvironmentVariable(t "MYKEYTERM_INSTALLER_ARGS", t R0) i'
  nsExec::ExecToLog '"$INSTDIR\mykeyterm-cli.exe" state-folder --installer'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_ICONSTOP "端末のデータのフォルダ（%ProgramData%\mykeyterm）または接続先（/PLATFORM=、/PLATFORMCA=）を設定できませんでした。指定を確かめ、管理者としてもう一度インストールしてください。 / Could not prepare the state folder %ProgramData%\mykeyterm or pin the platform (/PLATFORM=, /PLATFORMCA=): check them and run the installer again as administrator." /SD IDOK
    SetErrorLevel 3
  ${EndIf}

  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APPNAME}\アンインストール.lnk" "$INSTDIR\Uninstall.exe"

  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

; The terminal's state (%ProgramData%\mykeyterm: device key, settings, journal) stays unless /PURGE is given: it binds
; this PC to its terminal ID on the platform, and a reinstall (an update) must find it again.
Section "Uninstall"
  Delete "$DESKTOP\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\アンインストール.lnk"
  RMDir "$SMPROGRAMS\${APPNAME}"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\mykeyterm-cli.exe"
  Delete "$INSTDIR\icon.ico"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTKEY}"
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/PURGE" $1
  ${IfNot} ${Errors}
    RMDir /r "$APPDATA\mykeyterm" ; SetShellVarContext all: C:\ProgramData
    DeleteRegKey HKLM "SOFTWARE\mykeyterm" ; the pinned platform URL and CA of the state folders
  ${EndIf}
SectionEnd
