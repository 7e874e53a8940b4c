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
# The one Java class (NFC reader mode's callback, cardio/nfc/fyneglue/java) compiled to the dex the Go build embeds.
READER_JAVA=cardio/nfc/fyneglue/java/jp/mykeyterm/nfc/Reader.java
READER_DEX=cardio/nfc/fyneglue/nfcreader.dex
build_reader_dex() {
	local jar d8 tmp
	jar=$(ls "${ANDROID_HOME:-/nonexistent}"/platforms/android-*/android.jar 2>/dev/null | sort -V | tail -1)
	d8=$(ls "${ANDROID_HOME:-/nonexistent}"/build-tools/*/d8 2>/dev/null | sort -V | tail -1)
	if [ -z "$jar" ] || [ -z "$d8" ] || ! command -v javac >/dev/null; then
		echo "make android: need javac, \$ANDROID_HOME/platforms/android-NN/android.jar and build-tools' d8 for $READER_DEX" >&2
		return 1
	fi
	tmp=$(mktemp -d)
	javac --release 8 -classpath "$jar" -d "$tmp" "$READER_JAVA" &&
		"$d8" --min-api 26 --lib "$jar" --output "$tmp" "$tmp"/jp/mykeyterm/nfc/Reader.class &&
		cp "$tmp/classes.dex" "$READER_DEX"
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

if [ -n "$NDK" ] && [ -d "$NDK/toolchains/llvm" ] && command -v fyne >/dev/null; then
	echo "== $READER_DEX from $READER_JAVA"
	build_reader_dex || exit 1
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
if command -v javac >/dev/null; then
	echo "== $READER_JAVA compiled against stubs of android.nfc (javac only; the dex needs the SDK's android.jar and d8)"
	STUB=$(mktemp -d)
	mkdir -p "$STUB/src/android/nfc"
	printf 'package android.nfc;\npublic final class Tag {}\n' >"$STUB/src/android/nfc/Tag.java"
	printf 'package android.nfc;\npublic final class NfcAdapter { public interface ReaderCallback { void onTagDiscovered(Tag tag); } }\n' >"$STUB/src/android/nfc/NfcAdapter.java"
	javac --release 8 -d "$STUB/out" "$STUB"/src/android/nfc/*.java "$READER_JAVA" && echo "Reader.java: compiles"
	rm -rf "$STUB"
fi
exit 2
