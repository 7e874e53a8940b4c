package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// screen28 is 画面28 「ポイントメニュー」: ポイント利用 / ポイント券発行 / ポイント券消込 / 商店街ポイント合算 / 自治体ポイント集計,
// each shown only when the platform says this terminal's kind may use it (the platform refuses the others anyway).
type screen28 struct {
	ps                            *pointsSession
	use, issue, clear, merge, agg *widget.Button
	none                          *jaLabel
}

func newScreen28(ps *pointsSession) *screen28 {
	s := &screen28{ps: ps}
	s.use = &widget.Button{Text: tr("screen28.use", "ポイント利用") + " (F1)", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: s.onUse}
	s.issue = &widget.Button{Text: tr("screen28.issue", "ポイント券発行") + " (F2)", Icon: theme.DocumentPrintIcon(), OnTapped: s.onIssue}
	s.clear = &widget.Button{Text: tr("screen28.clear", "ポイント券消込") + " (F3)", Icon: theme.DocumentIcon(), OnTapped: s.onClear}
	s.merge = &widget.Button{Text: tr("screen28.merge", "商店街ポイント合算") + " (F4)", Icon: theme.ContentAddIcon(), OnTapped: s.onMerge}
	s.agg = &widget.Button{Text: tr("screen28.aggregate", "自治体ポイント集計") + " (F6)", Icon: theme.ListIcon(), OnTapped: s.onAggregate}
	s.none = &jaLabel{Importance: widget.WarningImportance,
		Text: tr("screen28.none", "この端末の種類では、自治体ポイントの操作はできません。ポイントを扱う端末かどうか、自治体に確認してください。")}
	return s
}

func (s *screen28) Title() string { return tr("screen28.title", "ポイントメニュー") }

// visible are the menu's buttons this terminal may use, in the documents' order.
func (s *screen28) visible() []*widget.Button {
	m := s.ps.menu
	var out []*widget.Button
	for _, it := range []struct {
		ok bool
		b  *widget.Button
	}{{m.Use, s.use}, {m.Issue, s.issue}, {m.Clear, s.clear}, {m.Merge, s.merge}, {m.Aggregate, s.agg}} {
		if it.ok {
			out = append(out, it.b)
		}
	}
	return out
}

func (s *screen28) Content() fyne.CanvasObject {
	box := container.NewVBox()
	for _, b := range s.visible() {
		// A fixed-size cell behind each button: the button fills 480×64 whatever the first layout pass gave the
		// column (a GridWrap here rendered the buttons at zero size, only the right half of their text showing).
		cell := canvas.NewRectangle(color.Transparent)
		cell.SetMinSize(fyne.NewSize(480, 64))
		box.Add(container.NewHBox(container.NewStack(cell, b)))
	}
	if len(box.Objects) == 0 {
		box.Add(s.none)
	}
	return box
}

func (s *screen28) Keys() map[fyne.KeyName]func() {
	m := s.ps.menu
	keys := map[fyne.KeyName]func(){}
	if m.Use {
		keys[fyne.KeyF1] = s.onUse
	}
	if m.Issue {
		keys[fyne.KeyF2] = s.onIssue
	}
	if m.Clear {
		keys[fyne.KeyF3] = s.onClear
	}
	if m.Merge {
		keys[fyne.KeyF4] = s.onMerge
	}
	if m.Aggregate {
		keys[fyne.KeyF6] = s.onAggregate
	}
	return keys
}

func (s *screen28) onUse()       { s.ps.toUse() }
func (s *screen28) onIssue()     { s.ps.toIssue() }
func (s *screen28) onClear()     { s.ps.toClear() }
func (s *screen28) onMerge()     { s.ps.toMerge() }
func (s *screen28) onAggregate() { s.ps.toAggregate() }

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen28) Shown() { s.ps.u.Win.Canvas().Unfocus() }
