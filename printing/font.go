package printing

import (
	"os"
	"sync"
)

// fontPaths are where the IPAex Gothic font is looked for until the assets package embeds it.
var fontPaths = []string{
	"assets/fonts/ipaexg.ttf",
	"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
}

var (
	fontOnce  sync.Once
	fontBytes []byte
	fontErr   error
)

// japaneseFont returns the TrueType bytes of the Japanese font embedded in PDFs.
func japaneseFont() ([]byte, error) {
	fontOnce.Do(func() {
		for _, p := range fontPaths {
			if b, err := os.ReadFile(p); err == nil {
				fontBytes = b
				return
			}
		}
		fontErr = errf(os.ErrNotExist, "日本語フォント (IPAexゴシック) が見つかりません")
	})
	return fontBytes, fontErr
}
