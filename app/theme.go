package app

import (
	"image/color"
	"sync"

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

// The counter's colours for text that carries a meaning: one colour per meaning (success, warning, error, the primary
// action, links, hints in empty fields, disabled items), each at least 4.5:1 against every background it is drawn on
// (WCAG 2.1 AA for normal text; TestTheme_EveryTextColourReadsAtAA computes it). Fyne's light defaults are far below
// that on white (success #43F436 1.48:1, warning #FF9800 2.16:1, error #F44336 3.68:1, primary #2196F3 3.12:1). Every
// screen takes its colours from the theme (screen 79's answers too), so the app has one green.
var (
	colorSuccess  = color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff} // 5.1:1 on white
	colorWarning  = color.NRGBA{R: 0x9a, G: 0x5b, B: 0x00, A: 0xff} // 5.4:1
	colorError    = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff} // 5.6:1
	colorPrimary  = color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff} // 5.8:1, also white text on it
	colorMuted    = color.NRGBA{R: 0x6e, G: 0x6e, B: 0x6e, A: 0xff} // 4.6:1 on the fields' grey (#F3F3F3)
	counterColors = map[fyne.ThemeColorName]color.Color{
		theme.ColorNameSuccess:     colorSuccess,
		theme.ColorNameWarning:     colorWarning,
		theme.ColorNameError:       colorError,
		theme.ColorNamePrimary:     colorPrimary,
		theme.ColorNameHyperlink:   colorPrimary,
		theme.ColorNamePlaceHolder: colorMuted,
		theme.ColorNameDisabled:    colorMuted,
	}
)

// Color is always the light variant: dark text on white reads best across a counter, and the on-screen barcode needs
// a white quiet zone for the scanner whatever the OS's dark-mode setting is.
func (t *counterTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if c, ok := counterColors[n]; ok {
		return c
	}
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

// WarmFonts has Fyne parse the theme's font for the two text styles every first screen draws (labels regular,
// button text bold: Fyne draws button labels bold, and it parses the font once per style, 6 MB of IPAex Gothic each
// time), one goroutine per style, so the parsing runs beside the opening of the terminal's state and the window
// instead of one after the other on the main goroutine. main calls it right after setting the theme and the
// returned wait before building the UI (which would otherwise parse the same font again itself). The cold-start
// benchmark (BenchmarkGUIColdStart) measures the gain.
func WarmFonts() (wait func()) {
	size := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText)
	var wg sync.WaitGroup
	for _, st := range []fyne.TextStyle{{}, {Bold: true}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fyne.MeasureText("国", size, st)
		}()
	}
	return wg.Wait
}
