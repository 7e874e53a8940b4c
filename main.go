package main

import (
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/app"
)

func main() {
	a := fyneapp.NewWithID("jp.mykeyterm.app")
	a.Settings().SetTheme(app.NewTheme(1.25))
	w := a.NewWindow("マイキープラットフォーム等活用ソフト")
	w.SetContent(widget.NewLabel("マイキープラットフォーム等活用ソフト"))
	w.ShowAndRun()
}
