package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen37 is 画面37 「商店街ポイント合算」: one [カード読取] for both card kinds, as the documents have it: the patron is
// identified by the My Number Card (the platform finds the service ID of this terminal's shopping-district issuer) or,
// when the card-number field holds a number, by the shopping-district point card, whose number a keyboard-interface
// reader types into that field followed by Enter (the platform maps it back to the MyKey ID). The card read is named
// beside the button; the balances follow with their label; the clerk enters the points to merge and clicks [確認] →
// screen 38.
type screen37 struct {
	ptInput
	shopCard *fkeyEntry
	who      *jaLabel
	ref      *mkpf.PatronRef
	res      *mkpf.BalancesResult
}

func newScreen37(ps *pointsSession) *screen37 {
	s := &screen37{}
	s.ptInput = newPtInput(ps, tr("points.read", "カード読取"), s.onRead, s.onConfirm)
	s.shopCard = fkeys(ps.u, &widget.Entry{PlaceHolder: tr("screen37.shopcard.placeholder", "商店街ポイントカードを読み取ると番号が入ります"),
		OnSubmitted: func(string) { s.onShopCard() }})
	s.who = &jaLabel{}
	s.fm.add(newField("shop_card", tr("screen37.shopcard.short", "商店街ポイントカード"), s.shopCard,
		tr("screen37.shopcard.rule", "商店街ポイントカードを使うときは、この欄をクリックしてからカードリーダーで読み取ってください（キーボードとして番号が入力されます）。手で入力したときは「カード読取」をクリックしてください。")))
	s.fm.add(newField("program_id", tr("points.balances", "ポイント残高"), s.bal.object(),
		tr("screen37.balances.rule", "合算に使うポイントを選んでください。この端末で使えるポイントだけが表示されます。")))
	s.fm.add(newField("points", tr("screen37.points", "合算ポイント数"), s.points,
		tr("screen37.points.rule", "商店街ポイントに合算するポイント数を半角数字で入力してください。")))
	return s
}

func (s *screen37) Title() string { return tr("screen37.title", "商店街ポイント合算") }

func (s *screen37) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen37.step1", "①利用者にマイナンバーカードをICカードリーダーライターにセットしてもらい「カード読取」ボタンをクリックしてください。商店街ポイントカードの場合は、カードリーダーで読み取ってください。")),
		container.NewBorder(nil, nil, container.NewHBox(s.read), nil, s.who), // which card was read, beside the button
		ptLead(tr("screen37.step2", "②残高を確認し、合算ポイント数を入力して「確認」ボタンをクリックしてください。")),
		s.fm.object(),
		container.NewHBox(s.confirm, s.back),
	)
}

// Shown puts the focus on the card-number field, so a keyboard-interface card reader's number lands there.
func (s *screen37) Shown() { s.ps.u.Win.Canvas().Focus(s.shopCard) }

// onRead is [カード読取] (F2): the shop card's number when the field holds one, else the My Number Card.
func (s *screen37) onRead() {
	if strings.TrimSpace(s.shopCard.Text) != "" {
		s.onShopCard()
		return
	}
	s.load(nil)
}

func (s *screen37) onShopCard() {
	s.fm.clearErrors()
	n := terminal.NormalizeCardNumber(s.shopCard.Text)
	if !terminal.ValidCardNumber(n) {
		s.fm.fields[0].setError(tr("screen37.shopcard.invalid", "商店街ポイントカード番号を読み取れませんでした。もう一度カードを読み取るか、半角英数字で入力してください。"))
		s.shopCard.SetText("")
		s.ps.u.Win.Canvas().Focus(s.shopCard)
		return
	}
	s.load(&n)
}

// load reads the My Number Card (shopCard nil) or uses the shop card number, then the balances.
func (s *screen37) load(shopCard *string) {
	if s.read.Disabled() {
		return // a read is running (F2/F3 pressed again): its answer re-enables the buttons, not this press
	}
	s.fm.clearErrors()
	var ref mkpf.PatronRef
	var res *mkpf.BalancesResult
	readCard := shopCard == nil
	if !readCard {
		ref.ShopCard = *shopCard
	}
	reached := !readCard
	s.read.Disable()
	busy := tr("points.reading", "マイナンバーカードを読み取り、残高を確認しています…")
	if !readCard {
		busy = tr("screen37.busy.shop", "商店街ポイントカードの残高を確認しています…")
	}
	started := s.ps.u.Run(busy, pointsTimeout, func(ctx context.Context) (err error) {
		if readCard {
			if ref.AuthCert, err = s.ps.readAuthCert(ctx); err != nil {
				return err
			}
			reached = true
		}
		res, err = s.ps.svc.Balances(ctx, ref)
		return err
	}, func(err error) {
		s.read.Enable()
		s.shopCard.SetText("")
		if reached {
			s.ps.platformResult(err)
		}
		if err != nil {
			s.ref, s.res = nil, nil
			s.who.SetText("")
			s.bal.clear()
			if readCard {
				s.ps.u.ShowError(err)
			} else { // at the field, which keeps the focus for the next card
				s.fm.fields[0].setError(s.ps.u.Svc.Message(err))
			}
			s.ps.u.Win.Canvas().Focus(s.shopCard)
			return
		}
		s.ref, s.res = &ref, res
		who := tr("screen37.who.card", "マイナンバーカード")
		if !readCard {
			who = tr("screen37.who.shop", "商店街ポイントカード") + " " + ref.ShopCard
		}
		if res.ShopPointID != "" {
			who += "　" + tr("screen37.shoppointid", "商店街ポイントID") + ": " + res.ShopPointID
		}
		s.who.SetText(who)
		s.bal.set(res.Balances)
		for _, b := range s.bal.balances { // the 自治体ポイント is what shops merge by default
			if b.Kind == mkpf.PointMunicipal {
				s.bal.choose(b.ProgramID)
				break
			}
		}
		s.ps.u.Win.Canvas().Focus(s.points)
	})
	if !started {
		s.read.Enable()
	}
}

func (s *screen37) onConfirm() {
	s.fm.clearErrors()
	b := s.chosen(s.ref != nil, 1, tr("screen37.read.first", "先に「カード読取」でマイナンバーカードを読み取るか、商店街ポイントカードを読み取ってください。"),
		tr("screen37.choose", "合算に使うポイントを選んでください。"))
	if b == nil {
		return
	}
	n, err := terminal.ParsePoints(s.points.Text, b.Points)
	if err != nil {
		s.fm.fields[2].setError(Message(err))
		return
	}
	toMergeConfirm(s, *b, n)
}
