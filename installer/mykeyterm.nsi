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
!include "nsDialogs.nsh"

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
Page custom PlatformPage PlatformPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Japanese"
!insertmacro MUI_LANGUAGE "English"

LangString PlatTitle ${LANG_JAPANESE} "接続先のプラットフォーム"
LangString PlatTitle ${LANG_ENGLISH} "The platform"
LangString PlatText ${LANG_JAPANESE} "自治体から案内されたマイキープラットフォームのURLを入力してください。このパソコンの端末は、ここで設定した接続先にだけ接続します（管理者だけが変更できます）。空欄のままにすると、設定済みの接続先をそのまま使います。"
LangString PlatText ${LANG_ENGLISH} "The URL of the municipality's MyKey Platform. The terminals of this PC connect to it only (only administrators can change it). Leave it empty to keep the platform already set."
LangString PlatURL ${LANG_JAPANESE} "プラットフォームのURL（https://…）"
LangString PlatURL ${LANG_ENGLISH} "Platform URL (https://…)"
LangString PlatCA ${LANG_JAPANESE} "独自のCA証明書ファイル（PEM形式、使う場合のみ）"
LangString PlatCA ${LANG_ENGLISH} "Private CA certificate file (PEM, only if used)"
LangString PlatBrowse ${LANG_JAPANESE} "参照..."
LangString PlatBrowse ${LANG_ENGLISH} "Browse..."
LangString PlatBadURL ${LANG_JAPANESE} "プラットフォームのURLは https:// で始めてください。"
LangString PlatBadURL ${LANG_ENGLISH} "The platform URL must start with https://."
LangString PlatCANoURL ${LANG_JAPANESE} "CA証明書ファイルを指定するときは、プラットフォームのURLも入力してください。"
LangString PlatCANoURL ${LANG_ENGLISH} "Enter the platform URL together with the CA file."

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "FileDescription" "${APPNAME} セットアップ"
VIAddVersionKey /LANG=${LANG_JAPANESE} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_JAPANESE} "LegalCopyright" "${PUBLISHER}"

; The platform page (interactive installs; silent ones give /PLATFORM= and /PLATFORMCA=): what is entered is handed to
; the elevated step like those options.
Var PlatformURL
Var PlatformCA
Var PlatURLField
Var PlatCAField

Function PlatformPage
  !insertmacro MUI_HEADER_TEXT "$(PlatTitle)" ""
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 36u "$(PlatText)"
  Pop $0
  ${NSD_CreateLabel} 0 40u 100% 10u "$(PlatURL)"
  Pop $0
  ${NSD_CreateText} 0 52u 100% 13u "$PlatformURL"
  Pop $PlatURLField
  ${NSD_CreateLabel} 0 74u 100% 10u "$(PlatCA)"
  Pop $0
  ${NSD_CreateText} 0 86u 76% 13u "$PlatformCA"
  Pop $PlatCAField
  ${NSD_CreateButton} 78% 85u 21% 15u "$(PlatBrowse)"
  Pop $0
  ${NSD_OnClick} $0 PlatformBrowse
  nsDialogs::Show
FunctionEnd

Function PlatformBrowse
  nsDialogs::SelectFileDialog open "" "PEM (*.pem;*.crt;*.cer)|*.pem;*.crt;*.cer|*.*|*.*"
  Pop $0
  ${If} $0 != ""
    ${NSD_SetText} $PlatCAField $0
  ${EndIf}
FunctionEnd

Function PlatformPageLeave
  ${NSD_GetText} $PlatURLField $PlatformURL
  ${NSD_GetText} $PlatCAField $PlatformCA
  ${If} $PlatformURL != ""
    StrCpy $0 $PlatformURL 8
    ${If} $0 != "https://"
      MessageBox MB_ICONEXCLAMATION "$(PlatBadURL)"
      Abort
    ${EndIf}
  ${ElseIf} $PlatformCA != ""
    MessageBox MB_ICONEXCLAMATION "$(PlatCANoURL)"
    Abort
  ${EndIf}
FunctionEnd

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
  ${If} $PlatformURL != ""
    StrCpy $R0 '$R0 "/PLATFORM=$PlatformURL"'
    ${If} $PlatformCA != ""
      StrCpy $R0 '$R0 "/PLATFORMCA=$PlatformCA"'
    ${EndIf}
  ${EndIf}
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
