// Package fyneglue connects cardio/nfc to a Fyne app on Android: through Fyne's driver.RunNative it reaches the
// activity (JNI VM and context), enables NFC reader mode with the one Java class the app has (java/, compiled to
// nfcreader.dex by scripts/android.sh and embedded) and hands every tap to the nfc.Source (glue_android.go).
// On other systems the package is empty: the desktop app reads cards through PC/SC.
package fyneglue
