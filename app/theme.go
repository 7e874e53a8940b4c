package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/mykeyterm/mykeyterm/assets"
)

// counterTheme is Fyne's default theme with the embedded Japanese font (the OS may have no CJK font: DESIGN.md) and
// text sizes readable across a library counter.
type counterTheme struct {
	font  fyne.Resource
	scale float32
}

// NewTheme returns the app's theme. scale multiplies Fyne's default text and padding sizes (1.0 = Fyne default);
// the app uses 1.25.
func NewTheme(scale float32) fyne.Theme {
	if scale <= 0 {
		scale = 1
	}
	return &counterTheme{font: fyne.NewStaticResource(assets.JapaneseFontName, assets.JapaneseFont()), scale: scale}
}

// Color is always the light variant: dark text on white reads best across a counter, and the on-screen barcode needs
// a white quiet zone for the scanner whatever the OS's dark-mode setting is.
func (t *counterTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font returns the Japanese font for every style except monospace and symbols: IPAex Gothic has a single weight, so
// bold renders regular, which is acceptable for a counter screen.
func (t *counterTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return theme.DefaultTheme().Font(s)
	}
	return t.font
}

func (t *counterTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *counterTheme) Size(n fyne.ThemeSizeName) float32 {
	return theme.DefaultTheme().Size(n) * t.scale
}
