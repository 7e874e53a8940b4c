#!/usr/bin/env bash
# `make run`: build the GUI and open it in demo mode: the reference platform embedded (temporary database, demo world),
# virtual cards in a side panel when no real PC/SC reader is connected. Extra arguments go to mykeyterm
# (e.g. --demo-ready to skip the terminal registration, --demo-mode barcode).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat <<'MSG'
make run: this machine has no display ($DISPLAY and $WAYLAND_DISPLAY are empty), so the window cannot open here.
  - On a desktop (X11 or Wayland with XWayland): run `make run` in a terminal of that desktop.
  - Over SSH: `ssh -X host` then `make run`.
  - Headless, to look at it anyway: xvfb-run -a -s '-screen 0 1280x800x24' ./scripts/run-demo.sh
    (and take a screenshot, e.g. go test -tags demo -run RealWindow . with MYKEYTERM_SCREENS_DIR=/tmp/shots).
画面がないため起動しません。デスクトップの端末で `make run` を実行してください。
MSG
  exit 0
fi
mkdir -p dist
echo "run-demo: building dist/mykeyterm (the first build of Fyne takes a few minutes)…"
go build -tags demo -o dist/mykeyterm .
echo "run-demo: demo terminal: 端末ID 00052489 / 端末パスワード 8912k41a"
exec ./dist/mykeyterm --demo "$@"
