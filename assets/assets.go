// Package assets owns the files embedded in the binaries: the Japanese font (IPAex Gothic, IPA Font License v1.0, see
// fonts/IPA_Font_License.txt) used by the app's theme and by the PDF labels and sheets, and the application icon.
package assets

import _ "embed"

//go:embed fonts/ipaexg.ttf
var ipaexg []byte

//go:embed icon.png
var icon []byte

// JapaneseFont returns the TrueType bytes of IPAex Gothic (ipaexg.ttf, from Debian fonts-ipaexfont-gothic 00401-5).
// The slice is shared: callers must not modify it.
func JapaneseFont() []byte { return ipaexg }

// JapaneseFontName is the file name of the embedded font, for APIs that register fonts by name.
const JapaneseFontName = "ipaexg.ttf"

// Icon returns the PNG application icon (the same file FyneApp.toml names).
func Icon() []byte { return icon }
