package app

// The parts the points screens share: the input screens' card read, balances and points (29, 32, 37), the
// confirmation screens' one-request-one-key press (30, 33, 38) and the done screens' buttons (31, 34, 36, 39).

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// ptInput is what the input screens 29, 32 and 37 share: [カード読取] (F2), the balances, the points field, [確認] (F5),
// [ポイントメニューへ] (F10) and the idempotency keys their confirmation screens take. Each screen adds its own form
// fields and checks.
type ptInput struct {
	ps      *pointsSession
	fm      form
	read    *widget.Button
	bal     *balancePicker
	points  *fkeyEntry
	confirm *widget.Button
	back    *widget.Button
	onRead  func() // the screen's [カード読取]
	onOK    func() // the screen's [確認]
}

// newPtInput builds the shared buttons and the points field (Enter in it confirms).
func newPtInput(ps *pointsSession, readLabel string, onRead, onConfirm func()) ptInput {
	in := ptInput{ps: ps, bal: newBalancePicker(), onRead: onRead, onOK: onConfirm}
	in.read = &widget.Button{Text: readLabel + " (F2)", Icon: theme.LoginIcon(), Importance: widget.HighImportance, OnTapped: onRead}
	in.points = fkeys(ps.u, &widget.Entry{OnSubmitted: func(string) { onConfirm() }})
	in.confirm = &widget.Button{Text: tr("points.confirm", "確認") + " (F5)", Importance: widget.HighImportance, OnTapped: onConfirm}
	in.back = menuBackButton(ps)
	return in
}

// content is step 1 with [カード読取], step 2 with the form, then [確認] and [ポイントメニューへ].
func (in *ptInput) content(step1, step2 string) fyne.CanvasObject {
	return container.NewVBox(
		ptLead(step1),
		container.NewHBox(in.read),
		ptLead(step2),
		in.fm.object(),
		container.NewHBox(in.confirm, in.back),
	)
}

// Keys are F2 [カード読取], F5 [確認] and F10 [ポイントメニューへ].
func (in *ptInput) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF2: in.onRead, fyne.KeyF5: in.onOK, fyne.KeyF10: in.ps.toMenu, fyne.KeyEscape: in.ps.toMenu}
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once (screen 37
// puts it on its card-number field instead).
func (in *ptInput) Shown() { in.ps.u.Win.Canvas().Unfocus() }

// readCard is [カード読取] of screens 29 and 32: it reads the patron's My Number Card, then the balances usable at this
// terminal, and moves the focus to the points field. set gets the card's certificate, or nil after a failure (the
// balances are cleared and the error shown).
func (in *ptInput) readCard(set func(cert []byte)) {
	in.fm.clearErrors()
	var cert []byte
	var res *mkpf.BalancesResult
	in.read.Disable()
	in.ps.u.Run(tr("points.reading", "マイナンバーカードを読み取り、残高を確認しています…"), pointsTimeout, func(ctx context.Context) (err error) {
		if cert, err = in.ps.readAuthCert(ctx); err != nil {
			return err
		}
		res, err = in.ps.svc.Balances(ctx, mkpf.PatronRef{AuthCert: cert})
		return err
	}, func(err error) {
		in.read.Enable()
		if err != nil {
			if cert != nil {
				in.ps.platformResult(err)
			}
			set(nil)
			in.bal.clear()
			in.ps.u.ShowError(err)
			return
		}
		in.ps.u.PlatformResult(nil)
		set(cert)
		in.bal.set(res.Balances)
		in.ps.u.Win.Canvas().Focus(in.points)
	})
}

// chosen is the balance chosen after a card read, or nil after putting the reason on the balances field (field):
// readFirst when no card was read (read false), choose when no balance is selected.
func (in *ptInput) chosen(read bool, field int, readFirst, choose string) *mkpf.Balance {
	if !read {
		in.fm.fields[field].setError(readFirst)
		return nil
	}
	b := in.bal.selected()
	if b == nil {
		in.fm.fields[field].setError(choose)
	}
	return b
}

// ptConfirm is what the confirmation screens 30, 33 and 38 share: the summary, [戻る] (Esc) to the input screen, and
// the press of the action button (F5), which sends the same request with the same idempotency key every time.
type ptConfirm struct {
	ps    *pointsSession
	input Screen // where [戻る] returns
	key   string
	sum   *ptSummary
	act   *widget.Button // the screen's [利用], [発行] or [合算]
	back  *widget.Button
	// onPresence opens the user-authentication PIN dialog with the tries left (presence.go; set by spend)
	onPresence func(tries int)
	asking     bool // the PIN dialog is open: the button and [戻る] wait for its answer
}

// init takes req's key from the input screen in and builds [戻る] and an empty summary; act is the screen's button.
func (c *ptConfirm) init(in *ptInput, input Screen, req any, act *widget.Button) {
	c.ps, c.input, c.key, c.sum, c.act = in.ps, input, newIdemKey(), &ptSummary{}, act
	c.back = &widget.Button{Text: tr("points.back", "戻る") + " (Esc)", Icon: theme.NavigateBackIcon(), OnTapped: c.onBack}
}

// content is the lead, the summary, then the action button and [戻る].
func (c *ptConfirm) content(lead string) fyne.CanvasObject {
	return container.NewVBox(ptLead(lead), c.sum.object(), container.NewHBox(c.act, c.back))
}

// Keys are F5 the action and Esc [戻る].
func (c *ptConfirm) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: c.act.OnTapped, fyne.KeyEscape: c.onBack}
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (c *ptConfirm) Shown() { c.ps.u.Win.Canvas().Unfocus() }

func (c *ptConfirm) onBack() {
	if !c.ps.u.Busy() && !c.asking {
		c.ps.u.Show(c.input)
	}
}

// press runs work (which sends req with c.key) with the action button and [戻る] disabled; a press while they are
// disabled does nothing. The status line learns whether the platform was reached and the key is settled. On failure the buttons
// come back and the error is shown (after a transport failure, with the note that pressing again is safe); on success
// done runs.
func (c *ptConfirm) press(busy string, req any, work func(ctx context.Context) error, done func()) {
	act := c.act
	if act.Disabled() {
		return
	}
	act.Disable()
	c.back.Disable()
	started := c.ps.u.Run(busy, pointsTimeout, work, func(err error) {
		c.ps.platformResult(err)
		if err != nil {
			act.Enable()
			c.back.Enable()
			if !c.presenceAsked(err) {
				c.ps.showRetryError(err)
			}
			return
		}
		done()
	})
	if !started {
		act.Enable()
		c.back.Enable()
	}
}

// ptDone is what the done screens 31, 34, 36 and 39 share: the summary, [続けて…] (F1) to a fresh input screen,
// [ポイントメニューへ] (F10) and, on screens 31 and 36, [レシート印字] (F9).
type ptDone struct {
	ps      *pointsSession
	sum     *ptSummary
	next    *widget.Button
	back    *widget.Button
	receipt *widget.Button // nil unless addReceipt
	printed int            // copies printed from this screen (tests)
}

// newPtDone builds the two buttons; again opens the input screen of [続けて…] (nav.go).
func newPtDone(ps *pointsSession, sum *ptSummary, nextLabel string, again func(*pointsSession)) ptDone {
	onNext := func() { again(ps) }
	return ptDone{ps: ps, sum: sum, back: menuBackButton(ps),
		next: &widget.Button{Text: nextLabel + " (F1)", Icon: theme.NavigateNextIcon(), Importance: widget.HighImportance, OnTapped: onNext}}
}

// addReceipt adds [レシート印字] (F9), which prints through print on the configured printer and counts the copy.
func (d *ptDone) addReceipt(print func(ctx context.Context, printer string) error) {
	d.receipt = &widget.Button{Text: tr("points.receipt", "レシート印字") + " (F9)", Icon: theme.DocumentPrintIcon(), OnTapped: func() {
		d.ps.printWith(tr("points.printing", "レシートを印字しています…"), print, func(err error) {
			if err == nil {
				d.printed++
			}
		})
	}}
}

// content is the bold success message, the summary, the note (if any), then [レシート印字] (if added), the screen's
// own buttons, [続けて…] and [ポイントメニューへ].
func (d *ptDone) content(done, note string, buttons ...*widget.Button) fyne.CanvasObject {
	objs := []fyne.CanvasObject{
		&jaLabel{Importance: widget.SuccessImportance, Text: done},
		d.sum.object(),
	}
	if note != "" {
		objs = append(objs, ptLead(note))
	}
	if d.receipt != nil {
		buttons = append([]*widget.Button{d.receipt}, buttons...)
	}
	var row []fyne.CanvasObject
	for _, b := range append(buttons, d.next, d.back) {
		row = append(row, b)
	}
	return container.NewVBox(append(objs, container.NewHBox(row...))...)
}

// Keys are F1 [続けて…], F10 [ポイントメニューへ] and F6 [レシート印字] (if added).
func (d *ptDone) Keys() map[fyne.KeyName]func() {
	keys := map[fyne.KeyName]func(){fyne.KeyF1: d.next.OnTapped, fyne.KeyF10: d.ps.toMenu, fyne.KeyEscape: d.ps.toMenu}
	if d.receipt != nil {
		keys[fyne.KeyF9] = d.receipt.OnTapped
	}
	return keys
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (d *ptDone) Shown() { d.ps.u.Win.Canvas().Unfocus() }

// resultName is the program name the platform's answer carries (name), or else the name of the balance b it was
// made from.
func resultName(name string, b mkpf.Balance) string {
	if name != "" {
		return name
	}
	return b.ProgramName
}
