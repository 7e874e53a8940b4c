package printing

import "github.com/mykeyterm/mykeyterm/assets"

// japaneseFont returns the TrueType bytes of the Japanese font embedded in PDFs (IPAex Gothic from package assets,
// so a label prints the same on a machine with no Japanese fonts).
func japaneseFont() ([]byte, error) {
	if f := assets.JapaneseFont(); len(f) > 0 {
		return f, nil
	}
	return nil, errf(nil, "日本語フォント (IPAexゴシック) が組み込まれていません")
}
