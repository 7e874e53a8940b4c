#!/usr/bin/env bash
# Installs the Debian packages that building and testing mykeyterm need. Idempotent: it installs only what is missing,
# so a second run costs one dpkg query. Runs as root on a fresh Debian 12 (bookworm); elsewhere it prints what to install.
set -euo pipefail

PACKAGES=(
  # build: cgo for Fyne (OpenGL/X11) and ebfe/scard (libpcsclite)
  gcc pkg-config libc6-dev libgl1-mesa-dev libx11-dev libxrandr-dev libxxf86vm-dev libxi-dev libxcursor-dev
  libxinerama-dev libxkbcommon-dev libpcsclite-dev
  # smart cards: the real PC/SC daemon, the virtual reader driver, and OpenSC as an independent client
  pcscd vsmartcard-vpcd opensc pcsc-tools
  # printing: CUPS with a PDF queue and the Brother QL driver; rasterising and decoding what was printed
  cups cups-client cups-filters printer-driver-cups-pdf printer-driver-ptouch ghostscript poppler-utils zbar-tools zint
  # GUI and keyboard wedge: a real X server, a Tk text field in another program, screenshots
  xvfb x11-utils x11-apps xdotool python3 python3-tk xauth
  # store: a real PostgreSQL for the tests on the PostgreSQL store (started by the harness from /usr/lib/postgresql,
  # no system service)
  postgresql
  # Windows: the mingw cross compiler and resource compiler, the NSIS installer builder, Authenticode signing, and
  # wine (64-bit) to run the installer and the app in the tests (docs/windows.md)
  gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis osslsigncode openssl wine64
  # misc
  ca-certificates procps psmisc iproute2 curl git make
  # mail: an independent SMTP server on loopback for the e-mail notice tests (/usr/bin/python3 -m aiosmtpd)
  python3-aiosmtpd
)
if [ -n "${EXTRA_PACKAGES:-}" ]; then read -r -a extra <<<"$EXTRA_PACKAGES"; PACKAGES+=("${extra[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all ${#PACKAGES[@]} packages present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
else SUDO=; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package post-install scripts try to start services; there is no init system here, so tell them not to.
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
