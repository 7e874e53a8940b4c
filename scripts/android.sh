#!/usr/bin/env bash
# `make android`: the APK of the mobile grant app (持ち歩き用ポイント付与アプリ), where the Android NDK is installed.
# Without the NDK it says exactly what to install, runs what can be checked here (the non-Fyne packages built for
# android/arm64; the JNI code of cardio/nfc type-checked against a JDK's jni.h when one is installed), and fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH
APP_ID=$(awk -F'"' '/^ID *=/ {print $2}' FyneApp.toml)
NONFYNE="./mkpf/... ./cardio/... ./handoff/... ./printing/... ./platformclient/... ./mergefile/... ./terminal/grant/..."

echo "== android/arm64 build of the non-Fyne packages (CGO_ENABLED=0)"
GOOS=android GOARCH=arm64 CGO_ENABLED=0 go build $NONFYNE || exit 1

NDK=${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}
if [ -z "$NDK" ] && [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/ndk" ]; then
	NDK=$(ls -d "$ANDROID_HOME"/ndk/* 2>/dev/null | sort -V | tail -1)
fi
if [ -n "$NDK" ] && [ -d "$NDK/toolchains/llvm" ] && command -v fyne >/dev/null; then
	echo "== fyne package -os android (NDK $NDK), app ID $APP_ID"
	mkdir -p dist
	ANDROID_NDK_HOME=$NDK fyne package -os android --app-id "$APP_ID" --icon assets/icon.png || exit 1
	mv -f ./*.apk dist/ 2>/dev/null
	ls -l dist/*.apk
	exit 0
fi

cat >&2 <<MSG
make android: the APK was NOT built. It needs:
  1. The Android NDK (r26 or newer) and SDK platform tools, e.g. with Android Studio's SDK manager or
       sdkmanager "ndk;26.3.11579264" "platforms;android-34" "build-tools;34.0.0"
     then: export ANDROID_HOME=\$HOME/Android/Sdk ANDROID_NDK_HOME=\$ANDROID_HOME/ndk/26.3.11579264
  2. The fyne packager: go install fyne.io/tools/cmd/fyne@latest
Found: NDK=${NDK:-none}, fyne=$(command -v fyne || echo none).
MSG

J=$(ls -d /usr/lib/jvm/*/include 2>/dev/null | head -1)
if [ -n "$J" ]; then
	echo "== JNI of cardio/nfc type-checked against $J/jni.h (android/amd64, host gcc; not an NDK build)"
	STUB=$(mktemp -d)
	mkdir -p "$STUB/android"
	printf '#include <stdarg.h>\n#define ANDROID_LOG_FATAL 7\nint __android_log_vprint(int, const char*, const char*, va_list);\n' >"$STUB/android/log.h"
	CGO_ENABLED=1 GOOS=android GOARCH=amd64 CC=gcc CGO_CFLAGS="-I$STUB -I$J -I$J/linux" go vet -tags netgo,osusergo ./cardio/nfc/ &&
		echo "cardio/nfc JNI: type-check ok"
	rm -rf "$STUB"
else
	echo "(no JDK headers: the JNI type-check of cardio/nfc was skipped; apt-get install openjdk-17-jdk-headless to run it)" >&2
fi
exit 2
