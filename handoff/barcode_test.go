package handoff_test

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The issuer settings the barcode tests cover: every NW-7 check scheme with various start/stop characters, and the
// other two symbologies.
var barcodeCases = []struct {
	name string
	s    mkpf.HandoffSettings
	num  string
	data string // what Encode returns and a scanner (zbar) reads
	zbar string // zbar's symbology prefix
}{
	{"nw7 plain", mkpf.HandoffSettings{Symbology: mkpf.SymNW7, NW7Start: "A", NW7Stop: "A"}, "180000000011", "A180000000011A", "Codabar"},
	{"nw7 default start/stop", mkpf.HandoffSettings{}, "180000000011", "A180000000011A", "Codabar"},
	{"nw7 mod10w21", mkpf.HandoffSettings{NW7Start: "B", NW7Stop: "B", CheckDigit: mkpf.CheckMod10W21}, "12345678", "B123456782B", "Codabar"},
	{"nw7 mod16", mkpf.HandoffSettings{NW7Start: "A", NW7Stop: "B", CheckDigit: mkpf.CheckMod16}, "37859", "A37859+B", "Codabar"},
	{"nw7 7dr", mkpf.HandoffSettings{NW7Start: "C", NW7Stop: "D", CheckDigit: mkpf.Check7DR}, "123456", "C1234564D", "Codabar"},
	{"nw7 7dsr lowercase settings", mkpf.HandoffSettings{NW7Start: "d", NW7Stop: "d", CheckDigit: mkpf.Check7DSR}, "123456", "D1234563D", "Codabar"},
	{"code39", mkpf.HandoffSettings{Symbology: mkpf.SymCode39}, "180000000011", "180000000011", "CODE-39"},
	{"code39 mod10w21", mkpf.HandoffSettings{Symbology: mkpf.SymCode39, CheckDigit: mkpf.CheckMod10W21}, "180000000011", "1800000000119", "CODE-39"},
	{"code128", mkpf.HandoffSettings{Symbology: mkpf.SymCode128}, "180000000011", "180000000011", "CODE-128"},
	{"code128 7dsr", mkpf.HandoffSettings{Symbology: mkpf.SymCode128, CheckDigit: mkpf.Check7DSR}, "12345678", "123456785", "CODE-128"},
}

func TestEncode_IssuerSettings(t *testing.T) {
	for _, c := range barcodeCases {
		got, err := handoff.Encode(c.num, c.s)
		if err != nil || got != c.data {
			t.Errorf("%s: Encode(%q) = %q, %v; want %q", c.name, c.num, got, err, c.data)
		}
	}
}

func TestEncode_RefusesBadSettingsAndNumbersInJapanese(t *testing.T) {
	for _, c := range []struct {
		num  string
		s    mkpf.HandoffSettings
		want error
	}{
		{"1800", mkpf.HandoffSettings{NW7Start: "E"}, handoff.ErrSettings},
		{"1800", mkpf.HandoffSettings{Symbology: "ean13"}, handoff.ErrSettings},
		{"1800", mkpf.HandoffSettings{Symbology: mkpf.SymCode128, CheckDigit: mkpf.CheckMod16}, handoff.ErrSettings},
		{"18A0", mkpf.HandoffSettings{}, handoff.ErrNumber},
		{"", mkpf.HandoffSettings{}, handoff.ErrNumber},
		{"図書", mkpf.HandoffSettings{Symbology: mkpf.SymCode128}, handoff.ErrNumber},
		{"18*0", mkpf.HandoffSettings{Symbology: mkpf.SymCode39}, handoff.ErrNumber},
	} {
		_, err := handoff.Encode(c.num, c.s)
		var he *handoff.Error
		if !asError(err, &he) || he.Message == "" || !isErr(err, c.want) {
			t.Errorf("Encode(%q, %+v) = %v, want %v with a Japanese message", c.num, c.s, err, c.want)
		}
	}
}

// The on-screen barcode (screen 26, mode B) decodes with zbar to exactly the issuer's data — start/stop and check
// character included — at every module width from the 2 px minimum up.
func TestScreen26_BarcodeImageDecodesWithZbar(t *testing.T) {
	for _, c := range barcodeCases {
		for _, px := range []int{2, 3, 4} {
			img, data, err := handoff.BarcodeImage(c.num, c.s, px)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if _, ok := img.(*image.Gray); !ok {
				t.Errorf("%s: image is %T, want 8-bit *image.Gray", c.name, img)
			}
			assertQuietZone(t, img, px)
			got := testenv.ZbarImage(t, img)
			want := c.zbar + ":" + data
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s at %d px/module: zbarimg read %q, want %q", c.name, px, got, want)
			}
		}
	}
}

func assertQuietZone(t *testing.T, img image.Image, px int) {
	t.Helper()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := 0; x < handoff.QuietModules*px; x++ {
			for _, xx := range []int{b.Min.X + x, b.Max.X - 1 - x} {
				if color.GrayModel.Convert(img.At(xx, y)).(color.Gray).Y != 0xFF {
					t.Fatalf("pixel (%d,%d) inside the %d-module quiet zone is not white", xx, y, handoff.QuietModules)
				}
			}
		}
	}
}

// zint (Debian), an independent encoder, draws the same bars as boombuler for the same data: the element widths of
// one scan line, divided by the narrowest, are identical (wide elements compared as "wide" where the two encoders
// use a different wide:narrow ratio).
func TestBarcodeBarsMatchZint(t *testing.T) {
	zint := testenv.Need(t, "zint", "zint")
	for _, c := range barcodeCases {
		data, err := handoff.Encode(c.num, c.s)
		if err != nil {
			t.Fatal(err)
		}
		mods, err := handoff.Modules(data, c.s.Symbology)
		if err != nil {
			t.Fatal(err)
		}
		ours := runs(mods)
		kind := map[mkpf.Symbology]string{"": "CODABAR", mkpf.SymNW7: "CODABAR", mkpf.SymCode39: "CODE39", mkpf.SymCode128: "CODE128"}[c.s.Symbology]
		out := filepath.Join(t.TempDir(), "zint.png")
		cmd := exec.Command(zint, "-b", kind, "--notext", "--scale=2", "-d", data, "-o", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: zint: %v %s", c.name, err, b)
		}
		theirs := runs(pngRow(t, out))
		if len(ours) < 20 || len(theirs) < 20 {
			t.Fatalf("%s: too few elements: ours %d, zint %d", c.name, len(ours), len(theirs))
		}
		if normalise(ours, kind != "CODE128") != normalise(theirs, kind != "CODE128") {
			t.Errorf("%s: bars differ\n boombuler %s\n zint      %s", c.name, normalise(ours, false), normalise(theirs, false))
		}
	}
}

// runs returns the widths of the alternating bar/space elements from the first bar to the last bar.
func runs(dark []bool) []int {
	first, last := -1, -1
	for i, d := range dark {
		if d {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	var out []int
	for i := first; i <= last && first >= 0; {
		j := i
		for j <= last && dark[j] == dark[i] {
			j++
		}
		out = append(out, j-i)
		i = j
	}
	return out
}

// normalise divides the widths by the narrowest; with twoWidths it writes n/w instead of the ratio.
func normalise(w []int, twoWidths bool) string {
	if len(w) == 0 {
		return ""
	}
	n := w[0]
	for _, v := range w {
		n = min(n, v)
	}
	var b strings.Builder
	for _, v := range w {
		switch {
		case twoWidths && v*2 < 3*n:
			b.WriteByte('n')
		case twoWidths:
			b.WriteByte('w')
		default:
			fmt.Fprintf(&b, "%d", (v+n/2)/n)
		}
	}
	return b.String()
}

func pngRow(t *testing.T, path string) []bool {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	y := b.Min.Y + b.Dy()/2
	row := make([]bool, b.Dx())
	for x := range row {
		row[x] = color.GrayModel.Convert(img.At(b.Min.X+x, y)).(color.Gray).Y < 128
	}
	return row
}

// Rendering the on-screen barcode is far below a frame; the baseline is boombuler's own encoder alone.
func BenchmarkBarcodeImage(b *testing.B) {
	s := mkpf.HandoffSettings{NW7Start: "A", NW7Stop: "A", CheckDigit: mkpf.CheckMod10W21}
	b.Run("baseline_modules_only", func(b *testing.B) {
		for b.Loop() {
			if _, err := handoff.Modules("A1800000000119A", mkpf.SymNW7); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BarcodeImage_3px", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := handoff.BarcodeImage("180000000011", s, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Whatever Encode accepts, the barcode library can draw: Encode's checks are the symbologies' real character sets.
func FuzzEncode(f *testing.F) {
	for _, c := range barcodeCases {
		f.Add(c.num, string(c.s.Symbology), c.s.NW7Start, c.s.NW7Stop, string(c.s.CheckDigit))
	}
	f.Fuzz(func(t *testing.T, num, sym, start, stop, check string) {
		s := mkpf.HandoffSettings{Symbology: mkpf.Symbology(sym), NW7Start: start, NW7Stop: stop, CheckDigit: mkpf.CheckDigitScheme(check)}
		data, err := handoff.Encode(num, s)
		if err != nil {
			var he *handoff.Error
			if !asError(err, &he) || he.Message == "" {
				t.Fatalf("Encode error without a Japanese message: %v", err)
			}
			return
		}
		if _, err := handoff.Modules(data, s.Symbology); err != nil {
			t.Fatalf("Encode(%q, %+v) = %q, which the barcode library refuses: %v", num, s, data, err)
		}
	})
}
