package app

// The points screens (自治体ポイント管理クラウド, seed 004 §II-2 and §III): 2 (login), 28 (ポイントメニュー), 29-31 point
// use, 32-34 voucher issue, 35-36 voucher clearing, 37-39 shopping-district merge and 87 aggregation. They follow the
// navigation of ui.go and talk to the platform only through PointsService (Services.Points).
//
// Nothing is applied twice: every state-changing confirmation screen (30, 33, 35 with a voucher shown, 38) draws one
// idempotency key when it is built and sends that same key with every press of its button, so a double click, a
// retry after a timeout or a press after a lost answer returns the first result; the button is also disabled while
// its request runs.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// PointsService is what the points screens need from the platform (platformclient's points half) and the receipt and
// voucher printer (printing). idemKey is chosen by the screen: the same key for every press of the same confirmation.
type PointsService interface {
	// Login is screen 2: the terminal's login ID and password; the answer says which screen-28 items it may use.
	Login(ctx context.Context, loginID, password string) (*mkpf.PointsLoginResult, error)
	// Balances are the patron's balances usable at this terminal (screens 29, 32, 37).
	Balances(ctx context.Context, ref mkpf.PatronRef) (*mkpf.BalancesResult, error)
	Use(ctx context.Context, req mkpf.UseRequest, idemKey string) (*mkpf.UseResult, error)
	IssueVoucher(ctx context.Context, req mkpf.VoucherIssueRequest, idemKey string) (*mkpf.Voucher, error)
	ReissueVoucher(ctx context.Context, code, idemKey string) (*mkpf.Voucher, error)
	// ShowVoucher looks a voucher up by its QR text or 発券番号 (screen 35 [ポイント券情報読取]).
	ShowVoucher(ctx context.Context, code string) (*mkpf.Voucher, error)
	ClearVoucher(ctx context.Context, code, idemKey string) (*mkpf.Voucher, error)
	// Merge is screen 38 [合算]; path is where the encrypted file was delivered in the terminal's merge folder.
	Merge(ctx context.Context, req mkpf.MergeRequest, idemKey string) (res *mkpf.MergeResult, path string, err error)
	// Aggregate is screen 87 for this terminal, from and to as YYYY-MM-DD (inclusive).
	Aggregate(ctx context.Context, from, to string) (*mkpf.Aggregate, error)
	// PrintUseReceipt, PrintClearReceipt and PrintVoucher print on printer (a printing.Open spec).
	PrintUseReceipt(ctx context.Context, printer string, res *mkpf.UseResult) error
	PrintClearReceipt(ctx context.Context, printer string, v *mkpf.Voucher) error
	PrintVoucher(ctx context.Context, printer string, v *mkpf.Voucher) error
}

// Errors the points screens raise themselves.
var (
	ErrPointsUnavailable = &ClerkError{Message: "この端末ではポイント機能が設定されていません。端末の管理者に連絡してください。"}
	ErrNoPrinter         = &ClerkError{Message: "プリンターが設定されていません。「端末の設定」でプリンターを選んでから、もう一度印字してください。"}
	ErrNoVoucherPrinter  = terminal.ErrNoVoucherPrinter
)

// pointsTimeout bounds one platform call of the points screens (the client retries inside it).
const pointsTimeout = 30 * time.Second

// pointsSession is the state after screen 2: the service and what the terminal may do.
type pointsSession struct {
	u    *UI
	svc  PointsService
	menu mkpf.PointsMenu
	term mkpf.TerminalInfo
}

func (ps *pointsSession) printer() string { return ps.u.Svc.Settings.Load().Printer }

// newIdemKey draws the idempotency key of one confirmation screen: every press of its button sends it. Going back
// after a lost answer and confirming the identical request again is recognised by the client's journal
// (platformclient), which sends the pending operation's key instead: one idempotency mechanism.
func newIdemKey() string { return platformclient.NewIdempotencyKey() }

// yen formats points with thousands separators: 10,000.
func yen(n int64) string { return terminal.Grouped(n) }

// pts is "1,000ポイント".
func pts(n int64) string { return yen(n) + tr("points.unit", "ポイント") }

// ptToday is today in Japan (the terminal layer's clock; tests fix terminal.Now).
func ptToday() time.Time { return terminal.Today() }

func dayJA(s string) string {
	d, err := time.ParseInLocation("2006-01-02", s, terminal.JST)
	if err != nil {
		return s
	}
	return dayText(d)
}

func timeJA(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(terminal.JST).Format(dayLayout + " 15:04")
}

// isTransport and apiCode are the terminal layer's error classification.
var (
	isTransport = terminal.IsTransport
	apiCode     = terminal.APICode
)

// retryNote is added to a transport error on a confirmation screen: pressing again is safe.
func retryNote() string {
	return tr("points.retry", "（同じ画面のままもう一度押しても、二重に処理されることはありません。）")
}

// showRetryError shows err; after a transport failure it adds that pressing the same button again is safe.
func (ps *pointsSession) showRetryError(err error) {
	if isTransport(err) {
		ps.u.ShowError(&ClerkError{Message: ps.u.Svc.Message(err) + "\n" + retryNote(), Err: err})
		return
	}
	ps.u.ShowError(err)
}

// balancePicker is the balances after [カード読取] (screens 29, 32, 37): one option per usable balance.
type balancePicker struct {
	radio    *widget.RadioGroup
	empty    *jaLabel
	expiring *jaLabel // 「うち N ポイントは …まで」 of the programs with an expiry rule
	balances []mkpf.Balance
	options  []string
}

func newBalancePicker() *balancePicker {
	bp := &balancePicker{radio: &widget.RadioGroup{}, empty: &jaLabel{},
		expiring: &jaLabel{Importance: widget.WarningImportance}}
	bp.expiring.Hide()
	bp.empty.SetText(tr("points.balances.none", "マイナンバーカードを読み取ると、この端末で使えるポイント残高が表示されます。"))
	bp.radio.Hide()
	return bp
}

// balanceLabel is one radio line: short enough not to widen the window (radio labels do not wrap), so a long program
// name is cut; the confirmation screen shows it whole.
func balanceLabel(b mkpf.Balance) string {
	name := []rune(mkpf.PointName(b.Kind, b.ProgramName)) // the one form of ポイントの種類 (as on 30-39)
	if len(name) > 26 {
		name = append(name[:25], '…')
	}
	s := string(name) + "　" + pts(b.Points)
	if b.ValidTo != "" {
		if d, err := time.ParseInLocation("2006-01-02", b.ValidTo, terminal.JST); err == nil {
			s += fmt.Sprintf(tr("points.validto", "（%sまで）"), dayText(d))
		}
	}
	return s
}

// set shows balances; the first (or the only) spendable one is preselected.
func (bp *balancePicker) set(bs []mkpf.Balance) {
	bp.balances, bp.options = nil, nil
	for _, b := range terminal.Spendable(bs) { // 留保ポイント is never spendable at a shop
		bp.balances = append(bp.balances, b)
		bp.options = append(bp.options, balanceLabel(b))
	}
	var notes []string
	for _, b := range bp.balances {
		if n := expiringNote(b); n != "" {
			notes = append(notes, b.ProgramName+": "+n)
		}
	}
	bp.expiring.SetText(strings.Join(notes, "\n"))
	if len(notes) > 0 {
		bp.expiring.Show()
	} else {
		bp.expiring.Hide()
	}
	bp.radio.Options = bp.options
	bp.radio.Selected = ""
	if len(bp.options) > 0 {
		bp.radio.Selected = bp.options[0]
		bp.radio.Show()
		bp.empty.Hide()
	} else {
		bp.radio.Hide()
		bp.empty.SetText(tr("points.balances.empty", "この端末で使えるポイントの残高がありません。"))
		bp.empty.Show()
	}
	bp.radio.Refresh()
	ptRelayout(bp.radio)
}

func (bp *balancePicker) clear() {
	bp.balances, bp.options = nil, nil
	bp.radio.Options, bp.radio.Selected = nil, ""
	bp.radio.Hide()
	bp.expiring.Hide()
	bp.empty.SetText(tr("points.balances.none", "マイナンバーカードを読み取ると、この端末で使えるポイント残高が表示されます。"))
	bp.empty.Show()
	ptRelayout(bp.radio)
}

// selected is the chosen balance, or nil.
func (bp *balancePicker) selected() *mkpf.Balance {
	for i, o := range bp.options {
		if o == bp.radio.Selected {
			return &bp.balances[i]
		}
	}
	return nil
}

// choose selects the balance of a program (tests, and the merge screen's 自治体ポイント default).
func (bp *balancePicker) choose(programID string) {
	for i, b := range bp.balances {
		if b.ProgramID == programID {
			bp.radio.SetSelected(bp.options[i])
		}
	}
}

func (bp *balancePicker) object() fyne.CanvasObject {
	return container.NewVBox(bp.empty, bp.radio, bp.expiring)
}

// expiringNote is 「うち 1,000ポイントは 2026年12月31日まで」 when some of b's points expire first, or "".
func expiringNote(b mkpf.Balance) string {
	if b.NextExpiry == "" || b.NextExpiryPoints <= 0 {
		return ""
	}
	return fmt.Sprintf(tr("points.expiring", "うち %sは %sまで"), pts(b.NextExpiryPoints), dayJA(b.NextExpiry))
}

// ptSummary lays out label/value rows of a confirmation or result (screens 30, 31, 33, 34, 36, 38, 39, 87).
type ptSummary struct{ objs []fyne.CanvasObject }

func (sm *ptSummary) add(label, value string) *ptSummary {
	sm.objs = append(sm.objs, &widget.Label{Text: label},
		&widget.Label{Text: value, Wrapping: fyne.TextWrapWord})
	return sm
}

func (sm *ptSummary) object() fyne.CanvasObject {
	return widget.NewCard("", "", rows(sm.objs...))
}

// columns lays the rows out in n columns side by side: screen 35's voucher, whose 状態 fell below the fold at the
// counter window's size in one column.
func (sm *ptSummary) columns(n int) fyne.CanvasObject {
	pairs := len(sm.objs) / 2
	per := (pairs + n - 1) / n
	var cols []fyne.CanvasObject
	for i := 0; i < pairs; i += per {
		cols = append(cols, container.NewVBox(rows(sm.objs[2*i:2*min(i+per, pairs)]...)))
	}
	return widget.NewCard("", "", container.NewGridWithColumns(len(cols), cols...))
}

// text is the summary as lines "label: value" (tests read it).
func (sm *ptSummary) text() string {
	var b strings.Builder
	for i := 0; i+1 < len(sm.objs); i += 2 {
		b.WriteString(sm.objs[i].(*widget.Label).Text + ": " + sm.objs[i+1].(*widget.Label).Text + "\n")
	}
	return b.String()
}

// menuBackButton returns to screen 28.
func menuBackButton(ps *pointsSession) *widget.Button {
	return &widget.Button{Text: tr("points.tomenu", "ポイントメニューへ") + " (F10)", Icon: theme.NavigateBackIcon(), OnTapped: ps.toMenu}
}

// ptLead is a wrapped instruction line.
func ptLead(s string) *jaLabel { return &jaLabel{Text: s} }

// readAuthCert reads the patron's My Number Card (the user-authentication certificate; no PIN, My Number never read).
func (ps *pointsSession) readAuthCert(ctx context.Context) ([]byte, error) {
	return ps.u.Svc.Cards.ReadAuthCert(ctx, ps.u.Svc.Settings.Load().Reader)
}

// printWith prints through f on the configured printer, reporting a missing printer first.
func (ps *pointsSession) printWith(busy string, f func(ctx context.Context, printer string) error, done func(err error)) {
	printer := ps.printer()
	if printer == "" {
		ps.u.ShowError(ErrNoPrinter)
		return
	}
	ps.u.Run(busy, pointsTimeout, func(ctx context.Context) error { return f(ctx, printer) }, func(err error) {
		if err != nil {
			ps.u.ShowError(err)
		}
		if done != nil {
			done(err)
		}
	})
}

// platformResult tells the status line whether the platform was reached (a refusal or a bad QR text still reached it).
func (ps *pointsSession) platformResult(err error) {
	if isTransport(err) {
		ps.u.PlatformResult(err)
	} else {
		ps.u.PlatformResult(nil)
	}
}

// ptRelayout lays the window out again after o changed size (Fyne containers do not re-run their layout when a
// child's content or visibility changes), like form.go's setError.
func ptRelayout(o fyne.CanvasObject) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(o); c != nil && c.Content() != nil {
		c.Content().Refresh()
	}
}

// fkeyEntry is a text field that passes the function keys and Escape on to the screen's shortcuts, so F5 confirms
// while the clerk is still in the field (a plain Entry swallows them and the window never sees them).
type fkeyEntry struct {
	widget.Entry
	u *UI
}

// fkeys makes an fkeyEntry with e's text, placeholder, password flag and submit callback.
func fkeys(u *UI, e *widget.Entry) *fkeyEntry {
	f := &fkeyEntry{u: u}
	f.Text, f.PlaceHolder, f.Password, f.OnSubmitted = e.Text, e.PlaceHolder, e.Password, e.OnSubmitted
	f.ExtendBaseWidget(f)
	return f
}

func (f *fkeyEntry) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyF1, fyne.KeyF2, fyne.KeyF3, fyne.KeyF4, fyne.KeyF5, fyne.KeyF6, fyne.KeyF7, fyne.KeyF8, fyne.KeyF9,
		fyne.KeyF10, fyne.KeyF11, fyne.KeyF12, fyne.KeyEscape:
		f.u.onKey(ev)
		return
	}
	f.Entry.TypedKey(ev)
	probe("key " + string(ev.Name))
}
