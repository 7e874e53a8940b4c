package app

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// field is one form row: the entry, the rule shown next to it in Japanese, and the platform's error shown at it.
type field struct {
	name  string // the wire name (mkpf.FieldError.Field)
	label string
	input fyne.CanvasObject
	rule  *jaLabel
	err   *jaLabel
}

func newField(name, label string, input fyne.CanvasObject, rule string) *field {
	f := &field{name: name, label: label, input: input,
		rule: &jaLabel{Text: rule, SizeName: theme.SizeNameCaptionText},
		err:  &jaLabel{Importance: widget.DangerImportance}}
	f.err.Hide()
	if rule == "" {
		f.rule.Hide()
	}
	return f
}

func (f *field) setError(msg string) {
	if msg == f.err.Text && (msg != "") == f.err.Visible() {
		return
	}
	f.err.SetText(msg)
	// The error takes the rule's place while it shows (it says what to type), so a form with every field in error
	// still fits the window with its button (screen 10 at 1240×780).
	if msg == "" {
		f.err.Hide()
		if f.rule.Text != "" {
			f.rule.Show()
		}
	} else {
		f.err.Show()
		f.rule.Hide()
	}
	// Showing or hiding a row's error changes the row's height: lay the whole window out again (Fyne containers do
	// not re-run their layout when a child's visibility changes).
	if c := fyne.CurrentApp().Driver().CanvasForObject(f.err); c != nil && c.Content() != nil {
		c.Content().Refresh()
	}
}

// form lays fields out as 「label | input, rule, error」 rows.
type form struct{ fields []*field }

func (fm *form) add(f *field) *field { fm.fields = append(fm.fields, f); return f }

func (fm *form) object() fyne.CanvasObject {
	var objs []fyne.CanvasObject
	for _, f := range fm.fields {
		objs = append(objs, &widget.Label{Text: f.label},
			container.NewVBox(f.input, f.rule, f.err))
	}
	return rows(objs...)
}

// columns lays the fields out in n columns side by side, top to bottom then left to right, each column a 「label |
// input, rule, error」 form: a long form (screen 10, 端末の設定, 75) then fits the counter window with its button and
// its errors visible, without scrolling (TestScreens_GoldenImages checks the fold).
// under, if given, goes under the first column (screen 10 puts its [登録] there, beside the taller second column).
func (fm *form) columns(n int, under ...fyne.CanvasObject) fyne.CanvasObject {
	per := (len(fm.fields) + n - 1) / n
	var cols []fyne.CanvasObject
	for i := 0; i < len(fm.fields); i += per {
		part := form{fields: fm.fields[i:min(i+per, len(fm.fields))]}
		col := container.NewVBox(part.object()) // top-aligned: a shorter column does not stretch
		if i == 0 {
			col.Objects = append(col.Objects, under...)
		}
		cols = append(cols, col)
	}
	return container.NewGridWithColumns(len(cols), cols...)
}

func (fm *form) clearErrors() {
	for _, f := range fm.fields {
		f.setError("")
	}
}

// showFieldErrors puts the platform's field errors at their fields and reports whether err carried any.
func (fm *form) showFieldErrors(err error) bool {
	var apiErr *mkpf.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Fields) == 0 {
		return false
	}
	shown := false
	for _, fe := range apiErr.Fields {
		for _, f := range fm.fields {
			if f.name == fe.Field {
				f.setError(fe.Message)
				shown = true
			}
		}
	}
	return shown
}

// showError puts err at the fields it names, or else shows it in u's error dialog.
func (fm *form) showError(u *UI, err error) {
	if !fm.showFieldErrors(err) {
		u.ShowError(err)
	}
}

// errorText is what the field shows (tests read it).
func (fm *form) errorText(name string) string {
	for _, f := range fm.fields {
		if f.name == name && f.err.Visible() {
			return f.err.Text
		}
	}
	return ""
}

// noPasteEntry refuses paste: screen 10 asks to type the confirmation e-mail again 「コピー・貼り付けはしないでください」.
type noPasteEntry struct{ fkeyEntry }

func newNoPasteEntry(u *UI) *noPasteEntry {
	e := &noPasteEntry{fkeyEntry{u: u}}
	e.ExtendBaseWidget(e)
	return e
}

func (e *noPasteEntry) TypedShortcut(s fyne.Shortcut) {
	if _, ok := s.(*fyne.ShortcutPaste); ok {
		return
	}
	e.Entry.TypedShortcut(s)
}
