// Package fyneglue connects cardio/nfc to a Fyne app on Android: through Fyne's driver.RunNative it reaches the
// activity (JNI VM and context) and hands every tag a tap delivers to the app to the nfc.Source (glue_android.go).
// On other systems the package is empty: the desktop app reads cards through PC/SC.
package fyneglue
