package app

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/rivo/uniseg"
)

// jaLabel is a label that wraps Japanese (and English) text where the Unicode line-breaking rules (UAX #14, through
// github.com/rivo/uniseg) allow it: no line starts with 。、」） and the like, none ends with 「（, Latin words stay
// whole. Fyne 2.7's own wrapping breaks CJK text between any two characters. Among the allowed breaks it prefers the
// ends of phrases (after punctuation and spaces, before an opening bracket, where hiragana is followed by kanji,
// katakana or Latin), so 「ください。」 is not cut into 「くださ／い。」 when an earlier break fits.
//
// It is used like widget.Label (struct literal or newJaLabel; Text, Importance, TextStyle, SizeName, SetText).
type jaLabel struct {
	widget.BaseWidget
	Text       string
	Importance widget.Importance
	TextStyle  fyne.TextStyle
	SizeName   fyne.ThemeSizeName

	lines   []string  // the text as laid out at the last width
	laidOut layoutKey // what lines were broken for
}

func newJaLabel(text string) *jaLabel {
	l := &jaLabel{Text: text}
	l.ExtendBaseWidget(l)
	return l
}

// SetText replaces the text and lays it out again.
func (l *jaLabel) SetText(t string) {
	l.Text = t
	l.Refresh()
}

// Lines is the text as it is shown, one string per line (tests read it).
func (l *jaLabel) Lines() []string {
	l.ExtendBaseWidget(l)
	l.relayout(l.Size().Width)
	return append([]string(nil), l.lines...)
}

func (l *jaLabel) MinSize() fyne.Size {
	l.ExtendBaseWidget(l)
	return l.BaseWidget.MinSize()
}

func (l *jaLabel) Refresh() {
	l.ExtendBaseWidget(l)
	l.BaseWidget.Refresh()
}

// Resize lays the lines out for the new width; when the number of lines changes, the label's height changes, and the
// refresh makes the canvas lay out its parents again (as Fyne's own wrapping label does).
func (l *jaLabel) Resize(size fyne.Size) {
	l.ExtendBaseWidget(l)
	if size == l.Size() {
		return
	}
	before := len(l.lines)
	l.BaseWidget.Resize(size)
	if l.relayout(size.Width); len(l.lines) != before {
		l.Refresh()
	}
}

func (l *jaLabel) textSize() float32 {
	name := l.SizeName
	if name == "" {
		name = theme.SizeNameText
	}
	return l.Theme().Size(name)
}

// relayout breaks the text for width (0: not laid out yet, one line per hard line).
func (l *jaLabel) relayout(width float32) {
	size, style := l.textSize(), l.TextStyle
	avail := width - 2*l.Theme().Size(theme.SizeNameInnerPadding)
	if width <= 0 {
		avail = 1 << 20
	}
	key := layoutKey{l.Text, avail, size, style}
	if l.lines != nil && key == l.laidOut {
		return // Fyne asks for the layout several times per frame: break the text once per text and width
	}
	l.lines, l.laidOut = breakLines(l.Text, avail, func(s string) float32 { return fyne.MeasureText(s, size, style).Width }), key
}

// layoutKey is what the lines of a jaLabel depend on.
type layoutKey struct {
	text  string
	avail float32
	size  float32
	style fyne.TextStyle
}

func (l *jaLabel) CreateRenderer() fyne.WidgetRenderer {
	l.ExtendBaseWidget(l)
	return &jaLabelRenderer{l: l}
}

type jaLabelRenderer struct {
	l     *jaLabel
	texts []*canvas.Text
	objs  []fyne.CanvasObject
}

func (r *jaLabelRenderer) color() fyne.ThemeColorName {
	switch r.l.Importance {
	case widget.LowImportance:
		return theme.ColorNameDisabled
	case widget.HighImportance:
		return theme.ColorNamePrimary
	case widget.DangerImportance:
		return theme.ColorNameError
	case widget.WarningImportance:
		return theme.ColorNameWarning
	case widget.SuccessImportance:
		return theme.ColorNameSuccess
	}
	return theme.ColorNameForeground
}

func (r *jaLabelRenderer) lineHeight() float32 {
	return fyne.MeasureText("国", r.l.textSize(), r.l.TextStyle).Height
}

func (r *jaLabelRenderer) Layout(size fyne.Size) {
	r.l.relayout(size.Width)
	r.sync()
	th := r.l.Theme()
	pad, gap, h := th.Size(theme.SizeNameInnerPadding), th.Size(theme.SizeNameLineSpacing), r.lineHeight()
	for i, t := range r.texts {
		t.Move(fyne.NewPos(pad, pad+float32(i)*(h+gap)))
		t.Resize(fyne.NewSize(size.Width-2*pad, h))
	}
}

// MinSize is as narrow as one character (the text wraps to any width) and as high as the lines at the current width.
func (r *jaLabelRenderer) MinSize() fyne.Size {
	if r.l.lines == nil {
		r.l.relayout(r.l.Size().Width)
	}
	th := r.l.Theme()
	pad, gap, h := th.Size(theme.SizeNameInnerPadding), th.Size(theme.SizeNameLineSpacing), r.lineHeight()
	n := float32(len(r.l.lines))
	if n == 0 {
		n = 1
	}
	w := fyne.MeasureText("国", r.l.textSize(), r.l.TextStyle).Width
	return fyne.NewSize(w+2*pad, n*h+(n-1)*gap+2*pad)
}

// sync makes one canvas.Text per line.
func (r *jaLabelRenderer) sync() {
	for len(r.texts) < len(r.l.lines) {
		r.texts = append(r.texts, &canvas.Text{})
	}
	r.texts = r.texts[:len(r.l.lines)]
	r.objs = r.objs[:0]
	th, v := r.l.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	for i, t := range r.texts {
		t.Text, t.TextSize, t.TextStyle = r.l.lines[i], r.l.textSize(), r.l.TextStyle
		t.Color = th.Color(r.color(), v)
		r.objs = append(r.objs, t)
	}
}

func (r *jaLabelRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *jaLabelRenderer) Destroy()                     {}

func (r *jaLabelRenderer) Refresh() {
	r.l.relayout(r.l.Size().Width)
	r.Layout(r.l.Size())
	for _, t := range r.texts {
		t.Refresh()
	}
}

// lineSegment is the text between two UAX #14 break opportunities; phraseEnd says the break after it ends a phrase.
type lineSegment struct {
	text      string
	phraseEnd bool
}

// breakLines wraps text to lines no wider than max (measured by measure), breaking only at UAX #14 opportunities,
// preferring phrase ends; a segment wider than a whole line is cut between grapheme clusters. Hard line breaks
// ("\n") are kept.
func breakLines(text string, max float32, measure func(string) float32) []string {
	var out []string
	for _, hard := range strings.Split(text, "\n") {
		segs := lineSegments(hard)
		if len(segs) == 0 {
			out = append(out, "")
			continue
		}
		// Each segment is measured once (and its width without trailing spaces, for a line's last segment); a line's
		// width is their sum. Measuring every candidate line as a whole shaped each prefix anew, which made the
		// wrapped labels the largest part of the GUI's start-up.
		full := make([]float32, len(segs))
		trim := make([]float32, len(segs))
		measureSeg := func(i int) {
			full[i] = measure(segs[i].text)
			trim[i] = full[i]
			if t := strings.TrimRightFunc(segs[i].text, unicode.IsSpace); t != segs[i].text {
				trim[i] = measure(t)
			}
		}
		for i := range segs {
			measureSeg(i)
		}
		width := func(from, to int) float32 {
			var w float32
			for i := from; i < to-1; i++ {
				w += full[i]
			}
			return w + trim[to-1]
		}
		join := func(from, to int) string {
			var b strings.Builder
			for _, s := range segs[from:to] {
				b.WriteString(s.text)
			}
			return strings.TrimRightFunc(b.String(), unicode.IsSpace)
		}
		for start := 0; start < len(segs); {
			end, phrase := start, -1
			for end < len(segs) && width(start, end+1) <= max {
				end++
				if segs[end-1].phraseEnd {
					phrase = end
				}
			}
			switch {
			case end == len(segs):
				out = append(out, join(start, end))
				start = end
			case end == start: // one segment wider than the line: cut it between grapheme clusters
				head, tail := cutGraphemes(segs[start].text, max, measure)
				out = append(out, head)
				segs[start].text = tail
				measureSeg(start)
			default:
				cut := end
				if phrase > start {
					cut = phrase
				}
				out = append(out, join(start, cut))
				start = cut
			}
		}
	}
	return out
}

// lineSegments splits one line at its UAX #14 break opportunities.
func lineSegments(s string) []lineSegment {
	var segs []lineSegment
	state := -1
	for len(s) > 0 {
		var seg string
		seg, s, _, state = uniseg.FirstLineSegmentInString(s, state)
		segs = append(segs, lineSegment{text: seg})
	}
	for i := range segs {
		if i+1 < len(segs) {
			segs[i].phraseEnd = phraseBoundary(segs[i].text, segs[i+1].text)
		}
	}
	return segs
}

// phraseBoundary reports whether a break between a and b falls between phrases (文節) rather than inside a word.
func phraseBoundary(a, b string) bool {
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	switch {
	case unicode.IsSpace(last):
		return true
	case strings.ContainsRune("、。，．！？」』）〕】", last):
		return true
	case strings.ContainsRune("「『（〔【(", first):
		return true
	case unicode.Is(unicode.Hiragana, last):
		return !unicode.Is(unicode.Hiragana, first) && first != 'ー' && !strings.ContainsRune("、。，．！？」』）", first)
	}
	return false
}

// cutGraphemes splits s after as many grapheme clusters as fit in max (at least one).
func cutGraphemes(s string, max float32, measure func(string) float32) (head, tail string) {
	n := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		_, to := g.Positions()
		if n > 0 && measure(s[:to]) > max {
			break
		}
		n = to
	}
	return s[:n], s[n:]
}
