package app

import (
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// monoWidth measures like a terminal: full-width characters 2, the rest 1.
func monoWidth(s string) float32 {
	var w float32
	for _, r := range s {
		if r >= 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// lineBreakFaults lists what the Japanese rules forbid in lines: a line starting with closing punctuation or a small
// kana, a line ending with an opening bracket, a Latin word cut in two (words from the text's own words).
func lineBreakFaults(lines []string, words []string) []string {
	var faults []string
	for i, l := range lines {
		if l == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(l)
		last, _ := utf8.DecodeLastRuneInString(l)
		if i > 0 && strings.ContainsRune("。、．，」』）〕】！？・ーぁぃぅぇぉっゃゅょァィゥェォッャュョ)", first) {
			faults = append(faults, "line starts with 「"+string(first)+"」: "+l)
		}
		if i < len(lines)-1 && strings.ContainsRune("「『（〔【(", last) {
			faults = append(faults, "line ends with 「"+string(last)+"」: "+l)
		}
		if i > 0 {
			for _, w := range words {
				joined := lines[i-1] + l
				if strings.Contains(joined, w) && !strings.Contains(lines[i-1], w) && !strings.Contains(l, w) {
					faults = append(faults, "「"+w+"」 cut between lines: "+lines[i-1]+" / "+l)
				}
			}
		}
	}
	return faults
}

// The texts of the cases, at every width from 10 to 40 full-width characters.
func TestBreakLines_JapaneseRulesAtEveryWidth(t *testing.T) {
	for _, c := range []struct {
		text  string
		words []string
	}{
		{"下記の利用カード番号 (サービスID) を連携システムに手入力してください。", []string{"ID", "ください。"}},
		{"マイナンバーカードをICカードリーダーライターにセットしてください。", []string{"IC", "ください。"}},
		{"①サービスIDの照会は、次の4通りの方式があります。(ID付与事業者別に方式が設定されています。)\n方式ごとに以下の準備をして下さい。", []string{"ID", "下さい。"}},
		{"ID自動引渡し方式で、番号のあとに送るキーです。図書館システムが番号入力後にEnterで検索するならEnterにします。", []string{"Enter", "ID"}},
		{"この利用カードは有効ではありません（有効期限切れ）。図書館システムで利用者の状態を確認してください。", []string{"ください。"}},
	} {
		for width := float32(20); width <= 80; width++ {
			lines := breakLines(c.text, width, monoWidth)
			if got, want := strings.Join(lines, ""), strings.ReplaceAll(strings.ReplaceAll(c.text, "\n", ""), " ", ""); strings.ReplaceAll(got, " ", "") != want {
				t.Fatalf("width %v: text changed: %q", width, got)
			}
			for _, l := range lines {
				if monoWidth(l) > width {
					t.Errorf("width %v: line too wide: %q", width, l)
				}
			}
			if f := lineBreakFaults(lines, c.words); len(f) > 0 {
				t.Errorf("width %v:\n%s", width, strings.Join(f, "\n"))
			}
		}
	}
}

func TestBreakLines_HardBreaksAndNarrowWidths(t *testing.T) {
	if got := breakLines("ab\n\ncd", 10, monoWidth); strings.Join(got, "|") != "ab||cd" {
		t.Errorf("hard breaks: %q", got)
	}
	// Narrower than one word: cut between characters, never an endless loop, nothing lost.
	if got := breakLines("Enter", 2, monoWidth); strings.Join(got, "") != "Enter" || len(got) != 3 {
		t.Errorf("narrow: %q", got)
	}
	if got := breakLines("", 10, monoWidth); len(got) != 1 || got[0] != "" {
		t.Errorf("empty: %q", got)
	}
}

// The screens of the issue, at the real window size: no wrapped label breaks against the rules.
func TestLineBreaking_Screens23_25_26_SettingsFollowTheJapaneseRules(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(h *harness)
	}{
		{"screen23", func(h *harness) { h.toRegister() }},
		{"screen25", func(h *harness) { h.key(fyne.KeyF2) }},
		{"screen26_number", lookupAs(mkpf.HandoffNumber)},
		{"screen26_barcode", lookupAs(mkpf.HandoffBarcode)},
		{"screen26_wedge", lookupAs(mkpf.HandoffWedge)},
		{"screen26_label", lookupAs(mkpf.HandoffLabel)},
		{"settings", func(h *harness) { h.key(fyne.KeyF11) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, enrolledFake())
			h.t = t
			c.setup(h)
			h.u.Wait()
			// At the real window size, then in a window half as wide (a counter PC sharing the screen with the
			// library system), where every screen has wrapped lines to check.
			for _, width := range []float32{WindowSize.Width, WindowSize.Width / 2} {
				h.locked(func() { h.w.Resize(fyne.NewSize(width, WindowSize.Height)) })
				h.locked(func() {
					wrapped := 0
					for _, o := range visibleObjects(h.w.Content()) {
						l, ok := o.(*jaLabel)
						if !ok {
							continue
						}
						lines := l.Lines()
						if len(lines) > 1 {
							wrapped++
						}
						if f := lineBreakFaults(lines, []string{"Enter", "ID", "IC", "ください。", "下さい。"}); len(f) > 0 {
							t.Errorf("%s, window width %v:\n%s", c.name, width, strings.Join(f, "\n"))
						}
					}
					if wrapped == 0 && width < WindowSize.Width {
						t.Errorf("%s: no label wrapped at width %v: the test checks nothing", c.name, width)
					}
				})
			}
		})
	}
}
