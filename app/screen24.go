package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen24 is 画面24 「サービスIDの登録完了」: the clerk compares the registered number with the patron's card; a typo
// goes back to screen 23 with the number kept. The MyKey ID is shown only when the issuer allows it (the platform
// leaves it empty otherwise: JLA guideline).
type screen24 struct {
	u      *UI
	res    *mkpf.RegisterResult
	notice bool
	back   *widget.Button
	menu   *widget.Button
}

func newScreen24(u *UI, res *mkpf.RegisterResult, notice bool) *screen24 {
	s := &screen24{u: u, res: res, notice: notice}
	s.back = &widget.Button{Text: tr("screen24.back", "前の画面に戻る") + " (Esc)", OnTapped: s.onBack}
	s.menu = &widget.Button{Text: tr("screen24.menu", "メニューへ戻る") + " (F12)", Importance: widget.HighImportance, OnTapped: s.u.ShowMenu}
	return s
}

func (s *screen24) Title() string { return tr("screen24.title", "サービスIDの登録完了") }

func (s *screen24) Content() fyne.CanvasObject {
	var note fyne.CanvasObject = widget.NewLabel("")
	switch {
	case s.res.Unchanged:
		note = &widget.Label{Text: tr("screen24.unchanged", "この番号はすでに登録されていました（変更はありません）。"), Importance: widget.WarningImportance}
	case s.res.Replaced != "":
		note = &widget.Label{Text: tr("screen24.replaced", "以前の番号を置き換えました: ") + s.res.Replaced, Importance: widget.WarningImportance}
	}
	return container.NewVBox(
		&widget.Label{Text: tr("screen24.lead", "利用者の利用カード番号があっていることを確認してください。")},
		resultRows(s.res.IssuerName, s.res.MyKeyID, s.res.CardNumber),
		note,
		container.NewHBox(s.back, s.menu),
	)
}

func (s *screen24) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyEscape: s.onBack, fyne.KeyF12: s.u.ShowMenu}
}

func (s *screen24) onBack() { s.u.toRegisterAgain(s.res.CardNumber, s.notice) }

// resultRows are the ID付与事業者名 / マイキーID / 利用カード番号 rows of screens 24 and 26; the MyKey ID row only when
// the platform sent one.
func resultRows(issuer, mykeyID, number string) fyne.CanvasObject {
	val := func(t string) *widget.Label {
		return &widget.Label{Text: t, SizeName: theme.SizeNameSubHeadingText}
	}
	objs := []fyne.CanvasObject{widget.NewLabel(tr("result.issuer", "ID付与事業者名")), val(issuer)}
	if mykeyID != "" {
		objs = append(objs, widget.NewLabel(tr("result.mykeyid", "マイキーID")), val(mykeyID))
	}
	objs = append(objs, widget.NewLabel(tr("result.number", "利用カード番号(サービスID)")), val(number))
	return rows(objs...)
}
