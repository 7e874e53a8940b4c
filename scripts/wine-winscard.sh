#!/usr/bin/env bash
# The private wine tree the Windows tests run the counter software in (`make test-windows`, part of `make test`):
# Debian 12's wine 8.0 loader and server, with WinSCard on top of pcsclite taken from Debian 13's libwine 10.0.
#
# Debian 12's wine 8.0 ships winscard.dll as a stub (SCardEstablishContext answers 80100001), so the Windows build's
# PC/SC path could not reach pcscd. Upstream wine forwards WinSCard to libpcsclite since 9.0: a PE winscard.dll and a
# unix-side winscard.so (its only NEEDED is libpcsclite.so.1; the PE side needs only __wine_unix_call_dispatcher, which
# wine 8.0's ntdll exports). This script puts them into a copy of the system's wine, for the tests only:
#
#   DEST/usr/lib/wine/{wine64,wineserver64}          copies of Debian 12's loader and server
#   DEST/usr/share/wine                              → /usr/share/wine
#   DEST/usr/lib/x86_64-linux-gnu/wine/x86_64-{unix,windows}/*
#                                                    → the system's files, except: x86_64-unix/ntdll.so a real copy
#                                                    (the loader finds its DLL folder from ntdll.so's real path), and
#                                                    x86_64-unix/winscard.so, x86_64-windows/winscard.dll and
#                                                    x86_64-windows/bcryptprimitives.dll (ProcessPrng, which every
#                                                    Go >= 1.22 program needs) from Debian 13's libwine package.
#
# The package is fetched with a separate apt configuration (its own sources list with the mirror this machine's apt
# already uses, its own lists and cache directories): /etc/apt and the installed packages are never changed, nothing
# under /usr changes. The tree is reused while the system's wine and the downloaded package stay the same.
#
#   scripts/wine-winscard.sh            → prints DEST (default ~/.cache/mykeyterm/wine-winscard, or $MYKEYTERM_WINE_TREE)
#
# Run exes with DEST/usr/lib/wine/wine64 and WINESERVER=DEST/usr/lib/wine/wineserver64.
set -euo pipefail

DEST=${MYKEYTERM_WINE_TREE:-${XDG_CACHE_HOME:-$HOME/.cache}/mykeyterm/wine-winscard}
SYS=/usr/lib/x86_64-linux-gnu/wine
SUITE=trixie

say() { echo "wine-winscard: $*" >&2; }
for f in /usr/lib/wine/wine64 /usr/lib/wine/wineserver64 "$SYS/x86_64-unix/ntdll.so"; do
  [ -e "$f" ] || { say "$f is missing: install wine with apt-get install -y --no-install-recommends wine64 (or run scripts/install-deps.sh)"; exit 1; }
done
[ -e /usr/lib/x86_64-linux-gnu/libpcsclite.so.1 ] || { say "libpcsclite.so.1 is missing: apt-get install -y libpcsclite1"; exit 1; }

# What the tree is made of: the system's wine version; the tree is rebuilt when it changes.
SYSVER=$(dpkg-query -W -f '${Version}' libwine 2>/dev/null || echo unknown)
STAMP="$DEST/.complete"
if [ -f "$STAMP" ] && grep -qx "system-libwine $SYSVER" "$STAMP" && [ -e "$DEST/usr/lib/wine/wine64" ] &&
  [ -e "$DEST/usr/lib/x86_64-linux-gnu/wine/x86_64-unix/winscard.so" ]; then
  echo "$DEST"
  exit 0
fi

# The mirror host this machine's apt already uses (the Debian archive entry of its sources).
MIRROR=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
  awk '$2 ~ /^(bookworm|stable)$/ && $1 !~ /security/ {print $1; exit}')
if [ -z "$MIRROR" ]; then
  MIRROR=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -v security | head -n1)
fi
[ -n "$MIRROR" ] || { say "no Debian mirror found in this machine's apt sources (apt-get indextargets)"; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
APT="$DEST.apt" # its own apt state: sources list, lists, cache (kept: a rerun downloads nothing new)
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ] && KEYRING=/usr/share/keyrings/debian-archive-trixie-stable.gpg
echo "deb [signed-by=$KEYRING] ${MIRROR%/} $SUITE main" >"$APT/sources.list"
aptopts=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$APT/lists"
  -o "Dir::Cache=$APT/cache" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Get::List-Cleanup=0"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -o "APT::Architecture=amd64" -o "APT::Architectures=amd64")
say "fetching libwine from $MIRROR $SUITE (own apt configuration in $APT; /etc/apt untouched)"
apt-get "${aptopts[@]}" -qq update >&2
(cd "$WORK" && apt-get "${aptopts[@]}" -qq download "libwine/$SUITE" >&2)
deb=$(ls "$WORK"/libwine_*.deb)
dpkg-deb -x "$deb" "$WORK/x"
NEW="$WORK/x/usr/lib/x86_64-linux-gnu/wine"
for f in x86_64-unix/winscard.so x86_64-windows/winscard.dll x86_64-windows/bcryptprimitives.dll; do
  [ -s "$NEW/$f" ] || { say "$(basename "$deb") has no $f"; exit 1; }
done

# The tree, built aside and moved into place (a half-built tree is never used).
TMP="$DEST.new"
rm -rf "$TMP"
mkdir -p "$TMP/usr/lib/wine" "$TMP/usr/share" "$TMP/usr/lib/x86_64-linux-gnu/wine/x86_64-unix" "$TMP/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"
cp /usr/lib/wine/wine64 /usr/lib/wine/wineserver64 "$TMP/usr/lib/wine/"
ln -s /usr/share/wine "$TMP/usr/share/wine"
for d in x86_64-unix x86_64-windows; do
  for f in "$SYS/$d"/*; do ln -s "$f" "$TMP/usr/lib/x86_64-linux-gnu/wine/$d/"; done
done
[ -d "$SYS/i386-windows" ] && ln -s "$SYS/i386-windows" "$TMP/usr/lib/x86_64-linux-gnu/wine/i386-windows"
U="$TMP/usr/lib/x86_64-linux-gnu/wine/x86_64-unix"
W="$TMP/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"
rm -f "$U/ntdll.so" "$U/winscard.so" "$W/winscard.dll" "$W/bcryptprimitives.dll"
cp "$SYS/x86_64-unix/ntdll.so" "$U/ntdll.so"
cp "$NEW/x86_64-unix/winscard.so" "$U/"
cp "$NEW/x86_64-windows/winscard.dll" "$NEW/x86_64-windows/bcryptprimitives.dll" "$W/"
{
  echo "system-libwine $SYSVER"
  echo "from $(basename "$deb") ($MIRROR $SUITE): winscard.so winscard.dll bcryptprimitives.dll"
} >"$TMP/.complete"
rm -rf "$DEST"
mv "$TMP" "$DEST"
say "ready: $DEST (run $DEST/usr/lib/wine/wine64 with WINESERVER=$DEST/usr/lib/wine/wineserver64)"
echo "$DEST"
