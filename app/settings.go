package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/terminal"
)

// settingsScreen is 「端末の設定」 for the terminal administrator: reader, printer, label size, the keyboard wedge's
// suffix and per-key delay, and the language (applied at the next start).
type settingsScreen struct {
	u         *UI
	fm        form
	reader    *widget.Select
	printer   *widget.SelectEntry
	labelSize *widget.Select
	suffix    *widget.RadioGroup
	delay     *fkeyEntry
	language  *widget.Select
	receipt   *widget.Select
	merge     *fkeyEntry
	save      *widget.Button
}

var (
	readerAuto   = "（自動: カードが置かれたリーダー）"
	suffixLabels = map[Suffix]string{SuffixEnter: "Enter", SuffixTab: "Tab", SuffixNone: "なし"}
	languages    = map[string]string{"ja": "日本語", "en": "English"}
)

func newSettings(u *UI) *settingsScreen {
	s := &settingsScreen{u: u}
	cur := u.Svc.Settings.Load()
	s.reader = &widget.Select{Options: []string{readerAuto}}
	s.printer = widget.NewSelectEntry(nil)
	s.labelSize = &widget.Select{Options: u.Svc.Handoff.LabelSizes()}
	s.suffix = &widget.RadioGroup{Options: []string{"Enter", "Tab", "なし"}, Horizontal: true}
	s.delay = fkeys(u, &widget.Entry{})
	s.language = &widget.Select{Options: []string{"日本語", "English"}}
	s.receipt = &widget.Select{Options: []string{"58mm", "80mm", "A6", "A4"}}
	s.merge = fkeys(u, &widget.Entry{PlaceHolder: "C:\\MergeFiles"})
	s.save = &widget.Button{Text: tr("settings.save", "保存") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onSave}

	if cur.Reader == "" {
		s.reader.SetSelected(readerAuto)
	} else {
		s.reader.Options = append(s.reader.Options, cur.Reader)
		s.reader.SetSelected(cur.Reader)
	}
	s.printer.SetText(cur.Printer)
	s.labelSize.SetSelected(cur.LabelSize)
	if cur.WedgeSuffix == "" {
		cur.WedgeSuffix = SuffixEnter
	}
	s.suffix.SetSelected(suffixLabels[cur.WedgeSuffix])
	s.delay.SetText(terminal.FormatKeyDelay(cur.KeyDelay))
	if cur.ReceiptSize == "" {
		cur.ReceiptSize = "80mm"
	}
	s.receipt.SetSelected(cur.ReceiptSize)
	s.merge.SetText(cur.MergeFolder)
	if l, ok := languages[cur.Language]; ok {
		s.language.SetSelected(l)
	} else {
		s.language.SetSelected("日本語")
	}

	s.fm.add(newField("reader", tr("settings.reader", "カードリーダー"), s.reader,
		tr("settings.reader.rule", "マイナンバーカードを読むICカードリーダーライターです。1台だけなら「自動」のままで構いません。")))
	s.fm.add(newField("printer", tr("settings.printer", "プリンター"), s.printer,
		tr("settings.printer.rule", "ラベル印刷方式のラベル、ポイントのレシートとポイント券を印刷するプリンターです（例: cups:PDF、ql:cups:QL800、escpos:tcp://192.168.0.50:9100、pdf:/tmp/label.pdf）。")))
	s.fm.add(newField("label_size", tr("settings.labelsize", "ラベルの大きさ"), s.labelSize,
		tr("settings.labelsize.rule", "幅x高さ（mm）です。プリンターに入っているラベルに合わせてください。")))
	s.fm.add(newField("wedge_suffix", tr("settings.suffix", "自動引渡しの最後に送るキー"), s.suffix,
		tr("settings.suffix.rule", "ID自動引渡し方式で、番号のあとに送るキーです。図書館システムが番号入力後にEnterで検索するならEnterにします。")))
	s.fm.add(newField("key_delay", tr("settings.delay", "1文字ごとの待ち時間（ミリ秒）"), s.delay,
		tr("settings.delay.rule", "0～200の半角数字です。連携システムで文字が抜けるときは大きくしてください。")))
	s.fm.add(newField("receipt_size", tr("settings.receipt", "レシート・ポイント券の用紙"), s.receipt,
		tr("settings.receipt.rule", "ロール紙の幅（58mm・80mm）か、A6・A4の用紙です。")))
	s.fm.add(newField("merge_folder", tr("settings.merge", "合算ファイルの保存先"), s.merge,
		tr("settings.merge.rule", "商店街ポイント合算で作る合算ポイントファイルを保存するフォルダ（所定のフォルダ）です。商店街ポイントシステムが読み取るフォルダを指定してください。")))
	s.fm.add(newField("language", tr("settings.language", "表示言語"), s.language,
		tr("settings.language.rule", "次回の起動から反映されます。")))
	return s
}

func (s *settingsScreen) Title() string { return tr("settings.title", "端末の設定") }

func (s *settingsScreen) Content() fyne.CanvasObject {
	return container.NewVBox(s.fm.columns(2), container.NewHBox(s.save))
}

func (s *settingsScreen) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onSave}
}

// Shown lists the readers and printers the OS knows.
func (s *settingsScreen) Shown() {
	var readers, printers []string
	s.u.Run(tr("settings.loading", "リーダーとプリンターを確認しています…"), 10*time.Second, func(ctx context.Context) error {
		readers, _ = s.u.Svc.Cards.Readers(ctx)
		printers, _ = s.u.Svc.Handoff.Printers(ctx)
		return nil
	}, func(error) {
		opts := []string{readerAuto}
		seen := map[string]bool{readerAuto: true}
		for _, r := range append(readers, s.reader.Selected) {
			if !seen[r] && r != "" {
				seen[r] = true
				opts = append(opts, r)
			}
		}
		s.reader.SetOptions(opts)
		s.printer.SetOptions(printers)
	})
}

func (s *settingsScreen) onSave() {
	s.fm.clearErrors()
	delay, err := terminal.ParseKeyDelay(s.delay.Text)
	if err != nil {
		s.fm.fields[4].setError(Message(err))
		return
	}
	set := s.u.Svc.Settings.Load()
	set.Reader = s.reader.Selected
	if set.Reader == readerAuto {
		set.Reader = ""
	}
	set.Printer = s.printer.Text
	set.LabelSize = s.labelSize.Selected
	if k, ok := keyOf(suffixLabels, s.suffix.Selected); ok {
		set.WedgeSuffix = k
	}
	set.KeyDelay = delay
	set.ReceiptSize = s.receipt.Selected
	set.MergeFolder = strings.TrimSpace(s.merge.Text)
	if k, ok := keyOf(languages, s.language.Selected); ok {
		set.Language = k
	}
	if err := s.u.Svc.Settings.Save(set); err != nil {
		s.u.ShowError(err)
		return
	}
	s.u.ShowMenu()
	dialog.ShowInformation(s.Title(), tr("settings.saved", "設定を保存しました。"), s.u.Win)
}

// keyOf is the key whose label is label in m (the settings that a Select or RadioGroup shows by label).
func keyOf[K comparable](m map[K]string, label string) (K, bool) {
	for k, v := range m {
		if v == label {
			return k, true
		}
	}
	var zero K
	return zero, false
}
