package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen10 is 画面10 「連絡先の登録」 (first start, after screen 9) and, with change set, 「連絡先の変更」 from the menu.
// The platform validates the fields; its field errors are shown at their fields. The ID issuer (ID付与事業者) of a
// service-ID terminal is fixed by the municipality (the roster or `mkpf-server admin terminal set-issuer`; the
// platform refuses any other, docs/security.md), so the screen shows it as text, never as a choice.
type screen10 struct {
	u       *UI
	change  bool
	fm      form
	issuers []mkpf.Issuer

	location, name, person, org, zip1, zip2, address, phone, email *fkeyEntry
	emailConfirm                                                   *noPasteEntry
	issuer                                                         *jaLabel // the fixed ID issuer's name
	register                                                       *widget.Button
}

func newScreen10(u *UI, change bool) *screen10 {
	s := &screen10{u: u, change: change}
	required := tr("form.required", "（必須）")
	entry := func() *fkeyEntry { return fkeys(u, &widget.Entry{}) }
	s.location, s.name, s.person, s.org, s.address, s.phone, s.email = entry(), entry(), entry(), entry(), entry(), entry(), entry()
	s.zip1 = fkeys(u, &widget.Entry{})
	s.zip2 = fkeys(u, &widget.Entry{})
	s.emailConfirm = newNoPasteEntry(u)
	s.emailConfirm.OnSubmitted = func(string) { s.onRegister() }
	s.issuer = &jaLabel{}
	s.register = &widget.Button{Text: tr("screen10.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}

	s.fm.add(newField("location", tr("screen10.location", "設置場所")+required, s.location,
		tr("screen10.location.rule", "「マイキープラットフォーム等活用端末一覧（様式Ⅰ）」に記入されているものを入力してください。")))
	s.fm.add(newField("name", tr("screen10.name", "端末名")+required, s.name,
		tr("screen10.name.rule", "様式Ⅰに記入した端末名です（例: 中央図書館 貸出カウンター1）。")))
	if u.Svc.Platform.Terminal().Kind == mkpf.KindServiceID {
		s.fm.add(newField("issuer_id", tr("screen10.issuer", "ID付与事業者名"), s.issuer,
			tr("screen10.issuer.fixed", "ID付与事業者は自治体が設定します。この端末からは変更できません。")))
		s.showIssuer(u.Svc.Platform.Terminal().IssuerID)
	}
	s.fm.add(newField("person", tr("screen10.person", "担当者名")+required, s.person, ""))
	s.fm.add(newField("organization", tr("screen10.org", "所属組織")+required, s.org,
		tr("screen10.org.rule", "所属する組織の情報を入力してください。")))
	zip := container.NewHBox(container.NewGridWrap(fyne.NewSize(80, s.zip1.MinSize().Height), s.zip1), widget.NewLabel("-"),
		container.NewGridWrap(fyne.NewSize(100, s.zip2.MinSize().Height), s.zip2))
	s.fm.add(newField("postal_code", tr("screen10.zip", "郵便番号")+required, zip,
		tr("screen10.zip.rule", "半角数字3桁と4桁です（例: 210-0007）。")))
	s.fm.add(newField("address", tr("screen10.address", "住所")+required, s.address, ""))
	s.fm.add(newField("phone", tr("screen10.phone", "電話番号")+required, s.phone,
		tr("screen10.phone.rule", "半角数字とハイフンです（例: 044-200-2111）。")))
	s.fm.add(newField("email", tr("screen10.email", "メールアドレス")+required, s.email, ""))
	// The longest label on two lines: the two columns then fit beside the demo's card panel on a 1280-pixel screen.
	s.fm.add(newField("email_confirm", tr("screen10.email2", "メールアドレス（確認用）")+"\n"+required, s.emailConfirm,
		tr("screen10.email2.rule", "確認のためもう一度入力してください。（コピー・貼り付けはしないでください。）")))
	return s
}

func (s *screen10) Title() string {
	if s.change {
		return tr("screen10.title.change", "連絡先の変更")
	}
	return tr("screen10.title", "連絡先の登録")
}

// MenuButton: on first start the contact must be registered before the menu; 連絡先の変更 has the button.
func (s *screen10) MenuButton() bool { return s.change }

func (s *screen10) Content() fyne.CanvasObject {
	return container.NewVBox(
		widget.NewLabel(tr("screen10.lead", "連絡先を入力し、「登録」ボタンをクリックしてください。")),
		s.fm.columns(2, container.NewHBox(s.register)), // [登録] under the left column: visible with every error shown
	)
}

func (s *screen10) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRegister}
}

// Shown loads the issuer table (and, for 連絡先の変更, the current contact).
func (s *screen10) Shown() {
	var issuers []mkpf.Issuer
	var cur *mkpf.Contact
	s.u.Run(tr("screen10.loading", "プラットフォームから読み込んでいます…"), 20*time.Second, func(ctx context.Context) error {
		var err error
		if issuers, err = s.u.Svc.Platform.Issuers(ctx); err != nil {
			return err
		}
		if s.change {
			cur, err = s.u.Svc.Platform.Contact(ctx)
		}
		return err
	}, func(err error) {
		s.u.PlatformResult(err)
		if err != nil {
			s.u.ShowError(err)
			return
		}
		s.setIssuers(issuers)
		if cur != nil {
			s.fill(cur)
		}
		s.u.Win.Canvas().Focus(s.location)
	})
}

func (s *screen10) setIssuers(is []mkpf.Issuer) {
	s.issuers = is
	s.showIssuer(s.u.Svc.Platform.Terminal().IssuerID)
}

// showIssuer shows the ID issuer the municipality set for this terminal (id; "" = none set yet), by the name in the
// platform's issuer table or the terminal's own record.
func (s *screen10) showIssuer(id string) {
	t := s.u.Svc.Platform.Terminal()
	name := ""
	for _, x := range s.issuers {
		if x.ID == id {
			name = x.Name
		}
	}
	switch {
	case id == "":
		name = tr("screen10.issuer.none", "（未設定）自治体の担当者にID付与事業者の設定を依頼してください。")
	case name == "" && id == t.IssuerID && t.IssuerName != "":
		name = t.IssuerName
	case name == "":
		name = id
	}
	s.issuer.SetText(name)
}

func (s *screen10) fill(c *mkpf.Contact) {
	s.location.SetText(c.Location)
	s.name.SetText(c.Name)
	s.person.SetText(c.Person)
	s.org.SetText(c.Organization)
	if len(c.PostalCode) == 8 && c.PostalCode[3] == '-' {
		s.zip1.SetText(c.PostalCode[:3])
		s.zip2.SetText(c.PostalCode[4:])
	}
	s.address.SetText(c.Address)
	s.phone.SetText(c.Phone)
	s.email.SetText(c.Email)
	if c.IssuerID != "" {
		s.showIssuer(c.IssuerID) // the platform's record, newer than the one kept at enrollment
	}
}

func (s *screen10) contact() mkpf.Contact {
	c := mkpf.Contact{Location: s.location.Text, Name: s.name.Text, Person: s.person.Text, Organization: s.org.Text,
		Address: s.address.Text, Phone: s.phone.Text, Email: s.email.Text, EmailConfirm: s.emailConfirm.Text}
	if s.zip1.Text != "" || s.zip2.Text != "" {
		c.PostalCode = s.zip1.Text + "-" + s.zip2.Text
	}
	// IssuerID stays empty: the platform keeps the issuer the municipality set.
	return c
}

func (s *screen10) onRegister() {
	s.fm.clearErrors()
	c := s.contact()
	s.u.Run(tr("screen10.busy", "連絡先を登録しています…"), 20*time.Second, func(ctx context.Context) error {
		return s.u.Svc.Platform.SetContact(ctx, c)
	}, func(err error) {
		s.u.PlatformResult(err)
		if err != nil {
			s.fm.showError(s.u, err)
			return
		}
		s.u.ShowMenu()
		if s.change {
			dialog.ShowInformation(tr("screen10.changed.title", "連絡先の変更"),
				tr("screen10.changed", "連絡先を変更しました。"), s.u.Win)
		}
	})
}
