#!/usr/bin/env bash
# Signs one Windows executable in place with osslsigncode (Authenticode, SHA-256): SIGN_PFX is the PKCS#12 file,
# SIGN_PASS its password, SIGN_TS an optional RFC 3161 timestamp URL. Called by scripts/build-windows.sh and by
# makensis (!finalize, !uninstfinalize).
set -euo pipefail
f=$1
: "${SIGN_PFX:?sign-windows: SIGN_PFX is not set (a PKCS#12 code-signing certificate)}"
ts=()
if [ -n "${SIGN_TS:-}" ]; then ts=(-ts "$SIGN_TS"); fi
osslsigncode sign -pkcs12 "$SIGN_PFX" -pass "${SIGN_PASS:-}" -h sha256 \
  -n "マイキープラットフォーム等活用ソフト" -i "https://github.com/mykeyterm/mykeyterm" "${ts[@]}" \
  -in "$f" -out "$f.signed" >/dev/null
mv -f "$f.signed" "$f"
