package app

import (
	"image/color"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// textOn lists every theme colour the app draws text in, with the backgrounds that text sits on: labels and messages
// on the window and dialogs, hints and disabled text also inside fields and on buttons, and the white (or dark) text
// Fyne draws on a coloured button.
var textOn = map[fyne.ThemeColorName][]fyne.ThemeColorName{
	theme.ColorNameForeground: {theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameInputBackground,
		theme.ColorNameButton, theme.ColorNameHeaderBackground, theme.ColorNameMenuBackground},
	theme.ColorNameSuccess:     {theme.ColorNameBackground, theme.ColorNameOverlayBackground},
	theme.ColorNameWarning:     {theme.ColorNameBackground, theme.ColorNameOverlayBackground},
	theme.ColorNameError:       {theme.ColorNameBackground, theme.ColorNameOverlayBackground},
	theme.ColorNamePrimary:     {theme.ColorNameBackground, theme.ColorNameOverlayBackground},
	theme.ColorNameHyperlink:   {theme.ColorNameBackground, theme.ColorNameOverlayBackground},
	theme.ColorNamePlaceHolder: {theme.ColorNameInputBackground},
	theme.ColorNameDisabled: {theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameDisabledButton,
		theme.ColorNameButton},
	theme.ColorNameForegroundOnPrimary: {theme.ColorNamePrimary},
	theme.ColorNameForegroundOnSuccess: {theme.ColorNameSuccess},
	theme.ColorNameForegroundOnWarning: {theme.ColorNameWarning},
	theme.ColorNameForegroundOnError:   {theme.ColorNameError},
}

// TestTheme_EveryTextColourReadsAtAA computes the WCAG 2.1 contrast ratio of every theme colour the app uses for text
// against each background it is drawn on, and fails below 4.5:1 (level AA for normal text). Fyne's own light colours
// fail it (success 1.48:1 on white, warning 2.16:1).
func TestTheme_EveryTextColourReadsAtAA(t *testing.T) {
	th := NewTheme(1.25)
	for fg, bgs := range textOn {
		for _, bg := range bgs {
			b := th.Color(bg, theme.VariantLight)
			f := over(th.Color(fg, theme.VariantLight), b)
			if r := contrast(f, b); r < 4.5 {
				t.Errorf("%s text on %s: contrast %.2f:1, WCAG AA needs 4.5:1 (%v on %v)", fg, bg, r, f, b)
			}
		}
	}
	// Screen 79's answers are drawn in the theme's colours, so they pass the same check.
	for name, c := range map[string]color.Color{"79 granted": colGranted, "79 refused": colRefused, "79 already": colAlready} {
		if r := contrast(c, th.Color(theme.ColorNameBackground, theme.VariantLight)); r < 4.5 {
			t.Errorf("screen %s: contrast %.2f:1 on the background", name, r)
		}
	}
	if colGranted != th.Color(theme.ColorNameSuccess, theme.VariantLight) {
		t.Errorf("screen 79's green %v is not the theme's success colour", colGranted)
	}
}

// TestTheme_ContrastOfFynesDefaultsFails keeps the contrast computation honest: Fyne's default success green on white
// is the 1.48:1 the clerk could not read.
func TestTheme_ContrastOfFynesDefaultsFails(t *testing.T) {
	r := contrast(color.NRGBA{R: 0x43, G: 0xf4, B: 0x36, A: 0xff}, color.White)
	if math.Abs(r-1.48) > 0.01 {
		t.Fatalf("contrast of #43F436 on white = %.3f, want 1.48", r)
	}
	if r := contrast(color.Black, color.White); math.Abs(r-21) > 0.01 {
		t.Fatalf("black on white = %.3f, want 21", r)
	}
}

var colourLiteral = regexp.MustCompile(`color\.(N?RGBA|Gray)\{`)

// TestTheme_ColoursComeFromTheTheme: no screen defines its own colour (one green, one orange, one red in the app);
// theme.go is their one home.
func TestTheme_ColoursComeFromTheTheme(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		n := f.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || n == "theme.go" {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if colourLiteral.MatchString(line) {
				t.Errorf("%s:%d defines its own colour; use the theme's (theme.go): %s", n, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// over composites c on the opaque background bg (alpha colours are drawn over what is below them).
func over(c, bg color.Color) color.Color {
	r, g, b, a := c.RGBA()
	if a == 0xffff {
		return c
	}
	br, bgg, bb, _ := bg.RGBA()
	mix := func(x, y uint32) uint8 { return uint8((x + y*(0xffff-a)/0xffff) >> 8) } // x is premultiplied
	return color.NRGBA{R: mix(r, br), G: mix(g, bgg), B: mix(b, bb), A: 0xff}
}

// contrast is the WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05) of two opaque colours.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c color.Color) float64 {
	r, g, b, _ := color.NRGBAModel.Convert(c).RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}
