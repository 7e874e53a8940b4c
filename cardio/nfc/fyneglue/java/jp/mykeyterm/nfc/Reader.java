package jp.mykeyterm.nfc;

// The mobile grant app's NFC reader-mode callback (cardio/nfc/isodep_android.go). JNI cannot make an object of a Java
// interface, so this one class is the app's only Java: onTagDiscovered is native and registered by the Go library
// (RegisterNatives) after the class is loaded from its dex (InMemoryDexClassLoader). scripts/android.sh compiles it to
// cardio/nfc/fyneglue/nfcreader.dex, which the Android build embeds.
public final class Reader implements android.nfc.NfcAdapter.ReaderCallback {
	@Override
	public native void onTagDiscovered(android.nfc.Tag tag);
}
