#!/usr/bin/env bash
# Builds the Windows installer MKSSetup.exe (`make windows`): both .exe files with the icon and version resource,
# signed with osslsigncode, packed by makensis (installer/mykeyterm.nsi), the installer and its uninstaller signed too.
#
#   scripts/build-windows.sh                      → dist/MKSSetup.exe (the release: no demo mode)
#   OUT=dist/test TAGS=demo NAME=MKSSetup-demo.exe scripts/build-windows.sh   → the demo installer the wine tests use
#
# Signing: SIGN_PFX (a PKCS#12 file with the code-signing certificate and key) and SIGN_PASS (its password), and
# optionally SIGN_TS (an RFC 3161 timestamp server URL). Without SIGN_PFX a throw-away self-signed test certificate
# is made in $OUT/test-cert/ (verifies only against itself: `osslsigncode verify -CAfile $OUT/test-cert/cert.pem`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GO=${GO:-go}
OUT=${OUT:-dist}
NAME=${NAME:-MKSSetup.exe}
TAGS=${TAGS:-}

need() { command -v "$1" >/dev/null || { echo "build-windows: $1 is missing: install it with apt-get install -y $2 (or run scripts/install-deps.sh)" >&2; exit 1; }; }
need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
need x86_64-w64-mingw32-windres binutils-mingw-w64-x86-64
need makensis nsis
need osslsigncode osslsigncode
need openssl openssl

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
OBJ=$(mktemp -d)
SYSO=("$ROOT/rsrc_windows_amd64.syso" "$ROOT/cmd/mykeyterm-cli/rsrc_windows_amd64.syso")
cleanup() { rm -rf "$OBJ"; rm -f "${SYSO[@]}"; }
trap cleanup EXIT

# The version: FyneApp.toml's Version and Build (0.1.0 and 1 → 0.1.0.1).
VERSION=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILD=$(sed -n 's/^Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
VERSION4="$VERSION.${BUILD:-0}"
VCOMMA=${VERSION4//./,}

# Icon and version resource (mingw windres → a .syso the Go linker picks up for windows/amd64 only).
$GO run ./internal/wininst/mkico -in assets/icon.png -out "$OUT/icon.ico"
resource() { # file description, original file name, output .syso
  cat >"$OBJ/r.rc" <<RC
#pragma code_page(65001)
1 ICON "$OUT/icon.ico"
1 24 "$ROOT/installer/mykeyterm.manifest"
1 VERSIONINFO
FILEVERSION $VCOMMA
PRODUCTVERSION $VCOMMA
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "041104B0"
    BEGIN
      VALUE "CompanyName", "mykeyterm project"
      VALUE "FileDescription", "$1"
      VALUE "FileVersion", "$VERSION4"
      VALUE "InternalName", "$2"
      VALUE "OriginalFilename", "$2"
      VALUE "ProductName", "マイキープラットフォーム等活用ソフト"
      VALUE "ProductVersion", "$VERSION"
      VALUE "LegalCopyright", "mykeyterm project"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x411, 1200
  END
END
RC
  x86_64-w64-mingw32-windres -c 65001 -O coff -i "$OBJ/r.rc" -o "$3"
}
resource "マイキープラットフォーム等活用ソフト" "mykeyterm.exe" "${SYSO[0]}"
resource "マイキープラットフォーム等活用ソフト コマンドライン" "mykeyterm-cli.exe" "${SYSO[1]}"

echo "build-windows: building $OUT/mykeyterm.exe ${TAGS:+(tags: $TAGS)} (the first mingw build of the GUI takes minutes)"
GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
  $GO build -tags "$TAGS" -ldflags "-s -w -H windowsgui" -o "$OUT/mykeyterm.exe" .
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $GO build -tags "$TAGS" -ldflags "-s -w" -o "$OUT/mykeyterm-cli.exe" ./cmd/mykeyterm-cli
rm -f "${SYSO[@]}"

# The signing certificate: the given one, or a throw-away test certificate.
if [ -z "${SIGN_PFX:-}" ]; then
  mkdir -p "$OUT/test-cert"
  if [ ! -s "$OUT/test-cert/test.pfx" ]; then
    openssl req -x509 -newkey rsa:3072 -sha256 -days 30 -nodes -keyout "$OUT/test-cert/key.pem" -out "$OUT/test-cert/cert.pem" \
      -subj "/CN=mykeyterm TEST code signing (not trusted)/O=mykeyterm test" \
      -addext "extendedKeyUsage=codeSigning" -addext "keyUsage=digitalSignature" 2>/dev/null
    openssl pkcs12 -export -out "$OUT/test-cert/test.pfx" -inkey "$OUT/test-cert/key.pem" -in "$OUT/test-cert/cert.pem" \
      -passout pass:test -name "mykeyterm test"
    echo "build-windows: no SIGN_PFX: signing with a throw-away TEST certificate ($OUT/test-cert/cert.pem)"
  fi
  export SIGN_PFX="$OUT/test-cert/test.pfx" SIGN_PASS=test
fi
export SIGN_PFX SIGN_PASS="${SIGN_PASS:-}" SIGN_TS="${SIGN_TS:-}"
"$ROOT/scripts/sign-windows.sh" "$OUT/mykeyterm.exe"
"$ROOT/scripts/sign-windows.sh" "$OUT/mykeyterm-cli.exe"

# The installer; makensis runs sign-windows.sh on the uninstaller it embeds and on the finished installer.
makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$VERSION" -DVERSION4="$VERSION4" -DSRC="$OUT" -DOUTFILE="$OUT/$NAME" \
  -DSIGNCMD="$ROOT/scripts/sign-windows.sh" installer/mykeyterm.nsi
echo "build-windows: $OUT/$NAME ($(stat -c %s "$OUT/$NAME") bytes), signed with $(basename "$SIGN_PFX")"
