package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// In-process fakes for the fast Fyne `test` flows. The real parts (pcscd, the platform on loopback, XTEST, CUPS) are
// exercised by the Xvfb tests in realwindow_test.go.

// fakeErr is a card/OS error with its clerk message (as cardio.Message would give).
type fakeErr struct{ msg string }

func (e *fakeErr) Error() string { return e.msg }

var (
	// errFakePresence is the fake platform asking for proof of card presence (above its floor limit), as the platform
	// answers it.
	errFakePresence = &mkpf.APIError{Status: 403, Code: mkpf.CodeCardPresenceRequired, Message: "このポイント数はマイナンバーカードによるご本人の確認が必要です。"}
	errFakeNoReader = &fakeErr{"カードリーダーが見つかりません。カードリーダーがパソコンに接続されているか確認してください。"}
	errFakeNoCard   = &fakeErr{"カードが置かれていません。マイナンバーカードをカードリーダーに置いてから、もう一度操作してください。"}
	errFakeUnknown  = &fakeErr{"マイナンバーカードではないカードです。マイナンバーカードを置いてください。"}
	errFakePatron   = &fakeErr{"利用カードを読み取れません。利用カードをカードリーダーに置いてください。"}
	errFakeDown     = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
)

func fakeMessage(err error) string {
	var fe *fakeErr
	var ae *mkpf.APIError
	var we *wrongPINError
	switch {
	case errors.As(err, &fe):
		return fe.msg
	case errors.As(err, &ae):
		return ae.Message
	case errors.As(err, &we):
		return fmt.Sprintf("署名用電子証明書のパスワードが違います。残り%d回です。", we.left)
	case errors.Is(err, errFakeDown):
		return "プラットフォームに接続できません。ネットワークの接続を確認し、しばらくしてからもう一度操作してください。"
	}
	return err.Error()
}

type wrongPINError struct{ left int }

func (e *wrongPINError) Error() string { return fmt.Sprintf("wrong PIN, %d left", e.left) }

type fakeCards struct {
	mu        sync.Mutex
	noReader  bool
	card      string // profile on the reader; "" = none; "unknown" = not a My Number Card; "libcard" = FeliCa
	signTries int
	pinsSent  []string
	events    chan CardEvent
}

func newFakeCards() *fakeCards { return &fakeCards{signTries: 5, events: make(chan CardEvent)} }

func (f *fakeCards) put(card string) { f.mu.Lock(); f.card = card; f.mu.Unlock() }

// AskPresence turns the fake platform's request for proof into the card's tries left (3), like terminal.Cards.
func (f *fakeCards) AskPresence(_ context.Context, _ string, _ mkpf.PatronRef, err error) error {
	if errors.Is(err, errFakePresence) {
		return &terminal.PresenceRequired{Tries: 3, Cause: err}
	}
	return err
}

// ProvePresence accepts the PIN 1234 and marks the reference as proved.
func (f *fakeCards) ProvePresence(_ context.Context, _ string, _ terminal.PresenceChallenger, ref mkpf.PatronRef, _ mkpf.PresenceScope, pin string) (mkpf.PatronRef, error) {
	if pin != "1234" {
		return ref, terminal.ErrAuthPINFormat
	}
	ref.Presence = &mkpf.CardPresence{}
	return ref, nil
}

func (f *fakeCards) present() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.noReader:
		return "", errFakeNoReader
	case f.card == "":
		return "", errFakeNoCard
	}
	return f.card, nil
}

func (f *fakeCards) Readers(context.Context) ([]string, error) {
	if f.noReader {
		return nil, errFakeNoReader
	}
	return []string{"Fake Reader 0"}, nil
}

func (f *fakeCards) ReadAuthCert(_ context.Context, _ string) ([]byte, error) {
	c, err := f.present()
	if err != nil {
		return nil, err
	}
	if c == "unknown" || c == "libcard" {
		return nil, errFakeUnknown
	}
	return []byte("auth:" + c), nil
}

func (f *fakeCards) SignPINTries(context.Context, string) (int, error) {
	if _, err := f.present(); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.signTries, nil
}

func (f *fakeCards) ReadSignCert(_ context.Context, _ string, pin string) ([]byte, error) {
	c, err := f.present()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pinsSent = append(f.pinsSent, pin)
	if pin != "ABC123" {
		f.signTries--
		return nil, &wrongPINError{f.signTries}
	}
	f.signTries = 5
	return []byte("sign:" + c), nil
}

func (f *fakeCards) ReadPatronCard(context.Context, string) (string, error) {
	c, err := f.present()
	if err != nil {
		return "", err
	}
	if c != "libcard" {
		return "", errFakePatron
	}
	return "180000000011", nil
}

func (f *fakeCards) Watch(ctx context.Context) (<-chan CardEvent, error) {
	if f.noReader {
		return nil, errFakeNoReader
	}
	return f.events, nil
}

type fakePlatform struct {
	mu         sync.Mutex
	down       bool
	enrolled   bool
	term       mkpf.TerminalInfo
	contact    *mkpf.Contact
	handoff    mkpf.HandoffSettings
	showMyKey  bool
	registered map[string]string // profile → card number
	lastReg    mkpf.RegisterRequest
}

func newFakePlatform() *fakePlatform {
	return &fakePlatform{handoff: mkpf.HandoffSettings{Mode: mkpf.HandoffNumber, Symbology: mkpf.SymNW7, NW7Start: "A", NW7Stop: "A", CheckDigit: mkpf.CheckMod10W21},
		registered: map[string]string{"yamada": "180000000011"}}
}

// enrolledFake is a platform where screens 9 and 10 are done (the app starts at the menu).
func enrolledFake() *fakePlatform {
	p := newFakePlatform()
	p.enrolled = true
	p.term = demoTerminal()
	p.term.ContactDone = true
	return p
}

func demoTerminal() mkpf.TerminalInfo {
	return mkpf.TerminalInfo{TerminalID: "00052489", Kind: mkpf.KindServiceID, MunicipalityCode: "141305", MunicipalityName: "川崎市",
		IssuerID: "000001", IssuerName: "川崎市立図書館"}
}

func (p *fakePlatform) Enrolled() bool              { p.mu.Lock(); defer p.mu.Unlock(); return p.enrolled }
func (p *fakePlatform) Terminal() mkpf.TerminalInfo { p.mu.Lock(); defer p.mu.Unlock(); return p.term }

func (p *fakePlatform) Enroll(_ context.Context, url, id, pw string) (*mkpf.TerminalInfo, error) {
	if p.down {
		return nil, errFakeDown
	}
	if id != "00052489" || pw != "8912k41a" {
		return nil, &mkpf.APIError{Status: 401, Code: mkpf.CodeBadCredentials, Message: "端末IDまたは端末パスワードが違います。様式IIの端末IDと端末パスワードを確かめて、もう一度入力してください。"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.enrolled = true
	p.term = demoTerminal()
	t := p.term
	return &t, nil
}

func (p *fakePlatform) Issuers(context.Context) ([]mkpf.Issuer, error) {
	if p.down {
		return nil, errFakeDown
	}
	return []mkpf.Issuer{{ID: "000001", Name: "川崎市立図書館", MunicipalityCode: "141305"}, {ID: "000002", Name: "ブレーメン商店街", MunicipalityCode: "141305"}}, nil
}

func (p *fakePlatform) SetContact(_ context.Context, c mkpf.Contact) error {
	if p.down {
		return errFakeDown
	}
	var fields []mkpf.FieldError
	req := map[string]string{"location": c.Location, "name": c.Name, "person": c.Person, "organization": c.Organization,
		"postal_code": c.PostalCode, "address": c.Address, "phone": c.Phone, "email": c.Email}
	for _, k := range []string{"location", "name", "person", "organization", "postal_code", "address", "phone", "email"} {
		if strings.TrimSpace(req[k]) == "" {
			fields = append(fields, mkpf.FieldError{Field: k, Message: "必須項目です。入力してください。"})
		}
	}
	if c.PostalCode != "" && len(c.PostalCode) != 8 {
		fields = append(fields, mkpf.FieldError{Field: "postal_code", Message: "郵便番号は半角数字3桁と4桁で入力してください。"})
	}
	if c.Email != c.EmailConfirm {
		fields = append(fields, mkpf.FieldError{Field: "email_confirm", Message: "メールアドレスが一致しません。もう一度入力してください。"})
	}
	if len(fields) > 0 {
		return &mkpf.APIError{Status: 422, Code: mkpf.CodeValidation, Message: "入力に誤りがあります。", Fields: fields}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.contact = &c
	p.term.ContactDone = true
	return nil
}

func (p *fakePlatform) Contact(context.Context) (*mkpf.Contact, error) {
	if p.down {
		return nil, errFakeDown
	}
	if p.contact == nil {
		return &mkpf.Contact{}, nil
	}
	return p.contact, nil
}

func (p *fakePlatform) who(der []byte) (string, error) {
	name := strings.TrimPrefix(string(der), "auth:")
	switch name {
	case "expired":
		return "", &mkpf.APIError{Status: 403, Code: mkpf.CodeCertExpired, Message: "マイナンバーカードの利用者証明用電子証明書の有効期限が切れています。利用者に市区町村の窓口で更新するよう案内してください。"}
	case "revoked":
		return "", &mkpf.APIError{Status: 403, Code: mkpf.CodeCertRevoked, Message: "この電子証明書は失効しています。利用者に市区町村の窓口へ問い合わせるよう案内してください。"}
	case "tanaka":
		return "", &mkpf.APIError{Status: 404, Code: mkpf.CodeUnknownCert, Message: "このカードはマイキープラットフォームに登録されていません。利用者にマイキーIDの設定を案内してください。"}
	}
	return name, nil
}

func (p *fakePlatform) Lookup(_ context.Context, der []byte) (*mkpf.LookupResult, error) {
	if p.down {
		return nil, errFakeDown
	}
	name, err := p.who(der)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.registered[name]
	if !ok {
		return nil, &mkpf.APIError{Status: 404, Code: mkpf.CodeNoServiceID, Message: "この利用者は、この図書館の利用カード番号（サービスID）を登録していません。「サービスIDの登録」で登録してください。"}
	}
	res := &mkpf.LookupResult{IssuerID: "000001", IssuerName: "川崎市立図書館", CardNumber: n, Handoff: p.handoff, CardValid: true, CardStatus: "valid"}
	if p.showMyKey {
		res.MyKeyID = "MY123456"
	}
	return res, nil
}

func (p *fakePlatform) RegisterServiceID(_ context.Context, r mkpf.RegisterRequest) (*mkpf.RegisterResult, error) {
	if p.down {
		return nil, errFakeDown
	}
	name, err := p.who(r.AuthCert)
	if err != nil {
		return nil, err
	}
	if r.AddressNotice && len(r.SignCert) == 0 {
		return nil, &mkpf.APIError{Status: 400, Code: mkpf.CodeBadRequest, Message: "署名用電子証明書がありません。"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastReg = r
	res := &mkpf.RegisterResult{IssuerID: "000001", IssuerName: "川崎市立図書館", CardNumber: r.CardNumber}
	if old, ok := p.registered[name]; ok && old != r.CardNumber {
		if !r.Replace {
			return nil, &mkpf.APIError{Status: 409, Code: mkpf.CodeReplaceNeedsConfirm, Message: "この利用者には別の利用カード番号 " + old + " が登録されています。"}
		}
		res.Replaced = old
	} else if ok {
		res.Unchanged = true
	}
	p.registered[name] = r.CardNumber
	if p.showMyKey {
		res.MyKeyID = "MY123456"
	}
	return res, nil
}

type fakeHandoff struct {
	mu      sync.Mutex
	typed   []string
	printed []string
}

func (h *fakeHandoff) Group(n string) string {
	var b strings.Builder
	for i, c := range n {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// BarcodeImage draws deterministic bars (the real NW-7 encoder is handoff's; this keeps golden images stable).
func (h *fakeHandoff) BarcodeImage(n string, s mkpf.HandoffSettings, px int) (image.Image, string, error) {
	text := s.NW7Start + n + s.NW7Stop
	w := (len(text)*10 + 20) * px
	img := image.NewGray(image.Rect(0, 0, w, 80))
	for x := 0; x < w; x++ {
		c := color.Gray{255}
		m := x / px
		if m >= 10 && m < w/px-10 && (m*7+int(text[(m/10)%len(text)]))%3 == 0 {
			c = color.Gray{0}
		}
		for y := 0; y < 80; y++ {
			img.SetGray(x, y, c)
		}
	}
	return img, text, nil
}

func (h *fakeHandoff) Type(_ context.Context, text string, suffix Suffix, _ time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.typed = append(h.typed, text+"+"+string(suffix))
	return nil
}

func (h *fakeHandoff) PrintLabel(_ context.Context, res *mkpf.LookupResult, printer, size string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.printed = append(h.printed, res.CardNumber+"@"+printer+"/"+size)
	return fmt.Sprint(len(h.printed)), nil
}

func (h *fakeHandoff) Printers(context.Context) ([]string, error) { return []string{"cups:PDF"}, nil }
func (h *fakeHandoff) LabelSizes() []string                       { return []string{"62x29", "50x30"} }

type memSettings struct {
	mu sync.Mutex
	s  Settings
}

func (m *memSettings) Load() Settings        { m.mu.Lock(); defer m.mu.Unlock(); return m.s }
func (m *memSettings) Save(s Settings) error { m.mu.Lock(); defer m.mu.Unlock(); m.s = s; return nil }
