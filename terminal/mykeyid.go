package terminal

// The patron desk (利用者窓口, seed 004 §I.6, seed 000 画面14-17; docs/patron-desk.md) without any UI: the screens and
// `mykeyterm-cli mykeyid …` run these.
//  14 the card is set → 15 the user-authentication PIN's tries left are read (no try spent) and shown, the patron
//     types the PIN once: SignMyKey verifies it on the card once (never retried) and has the card sign the platform's
//     one-use challenge for the operation;
//  16 the MyKey ID candidate (Candidates: 自動生成 at most three times, the third value registered; a typed one
//     checked for duplicates, three duplicates switch to 自動生成), the 利用者マイページ password, the e-mail address and
//     notices, the base municipal point account (CheckMyPageForm) → CreateMyKeyID → 17.

import (
	"context"
	"errors"
	"strings"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// MyKeyDesk is the platform's side of the patron desk (platformclient.Client).
type MyKeyDesk interface {
	MyKeyChallenge(ctx context.Context, op string) (*mkpf.CardChallengeResult, error)
	MyKeyCandidate(ctx context.Context, id string, auto bool) (*mkpf.MyKeyCandidateResult, error)
	PointMunicipalities(ctx context.Context) ([]mkpf.PointMunicipality, error)
	CreateMyKeyID(ctx context.Context, req mkpf.MyKeyCreateRequest) (*mkpf.MyKeyCreateResult, error)
	Terminal() mkpf.TerminalInfo
}

// Errors of the patron desk's card step.
var (
	ErrDeskPINBlocked = &ClerkError{Message: "利用者証明用電子証明書の暗証番号がロックされています。お住まいの市区町村の窓口でロック解除（初期化）の手続きをしてから、もう一度お越しください（何も登録されていません）。"}
	ErrDeskPINFormat  = &ClerkError{Message: "利用者証明用電子証明書の暗証番号は数字4桁です。もう一度入力してください（カードには送っていないので、残り回数は減っていません）。"}
)

// MyKeyTries reads the user-authentication PIN's tries left (screen 15 shows them before the PIN is typed);
// ErrDeskPINBlocked when none are left.
func (c *Cards) MyKeyTries(ctx context.Context, reader string) (int, error) {
	n, err := c.AuthPINTries(ctx, reader)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, ErrDeskPINBlocked
	}
	return n, nil
}

// SignMyKey is screen 15 [OK]: the PIN's form is checked first (nothing sent to the card when it is wrong), then in
// one card transaction the user-authentication certificate is read, the PIN verified once (a wrong one comes back as
// *cardio.WrongPINError with the tries left, never retried) and the card signs the platform's one-use challenge for op
// at this terminal.
func (c *Cards) SignMyKey(ctx context.Context, reader string, p MyKeyDesk, op, pin string) (mkpf.CardSignature, error) {
	var cs mkpf.CardSignature
	pin = HalfWidth(pin)
	if cardio.CheckPINFormat(cardio.PINAuth, pin) != nil {
		return cs, ErrDeskPINFormat
	}
	err := c.withJPKI(ctx, reader, func(j *cardio.JPKI) error {
		der, err := j.ReadAuthCert(ctx)
		if err != nil {
			return err
		}
		ch, err := p.MyKeyChallenge(ctx, op)
		if err != nil {
			return err
		}
		sig, err := cardio.ProvePresence(ctx, j, pin, mkpf.MyKeySignedBytes(op, p.Terminal().TerminalID, ch.Challenge))
		if err != nil {
			return err
		}
		cs = mkpf.CardSignature{AuthCert: der, Challenge: ch.Challenge, Signature: sig}
		return nil
	})
	if err != nil {
		return mkpf.CardSignature{}, cardFailure(err)
	}
	return cs, nil
}

// MaxCandidateTries is screen 16's "three times": of 自動生成 (the third value is registered) and of duplicates of
// typed candidates (then one is generated).
const MaxCandidateTries = 3

// Candidates is screen 16's MyKey ID candidate with its rules.
type Candidates struct {
	ID       string // the current candidate ("" before any)
	Autos    int    // 自動生成 used
	Dups     int    // typed candidates found taken
	Switched bool   // three duplicates switched to 自動生成
	checked  bool   // ID was generated or checked free
}

// Errors of the candidate rules.
var (
	ErrCandidateFixed  = &InputError{Key: "screen16.candidate.fixed", Format: "自動生成は3回までです。3回目に自動生成されたマイキーID候補で登録します。"}
	ErrCandidateFormat = &InputError{Key: "screen16.candidate.format", Format: "マイキーID候補は8ケタの半角大文字英数字で入力してください。"}
	ErrCandidateNone   = &InputError{Key: "screen16.candidate.none", Format: "マイキーID候補を「自動生成」するか、入力して「重複チェック」を押してください。"}
)

// candidateTaken is a typed candidate someone else uses; left is how many more duplicates switch to 自動生成.
func candidateTaken(left int) *InputError {
	return &InputError{Key: "screen16.candidate.taken", Format: "このマイキーID候補は既に他の人に使用されています。別のマイキーID候補を入力してください（あと%d回重複すると自動生成になります）。", Args: []any{left}}
}

// IsCandidateTaken reports whether err is a typed candidate found taken.
func IsCandidateTaken(err error) bool {
	var ie *InputError
	return errors.As(err, &ie) && ie.Key == "screen16.candidate.taken"
}

// Fixed reports whether the candidate can no longer change (the third 自動生成).
func (c *Candidates) Fixed() bool { return c.Autos >= MaxCandidateTries }

// Ready reports whether the candidate can be registered.
func (c *Candidates) Ready() bool { return c.ID != "" && c.checked }

// Auto is [自動生成]: a free candidate from the platform; the third one is the one registered.
func (c *Candidates) Auto(ctx context.Context, p MyKeyDesk) (string, error) {
	if c.Fixed() {
		return c.ID, ErrCandidateFixed
	}
	res, err := p.MyKeyCandidate(ctx, "", true)
	if err != nil {
		return c.ID, err
	}
	c.Autos++
	c.ID, c.checked = res.ID, true
	return c.ID, nil
}

// NormalizeCandidate is a typed candidate as the platform takes it: half-width, no spaces (lower case is refused,
// not changed: the patron sees what is registered).
func NormalizeCandidate(s string) string { return strings.TrimSpace(HalfWidth(s)) }

// Check is [重複チェック] of a typed candidate. A taken one returns an input error (IsCandidateTaken); the third switches to
// 自動生成 (Switched, the generated ID in ID, nil error).
func (c *Candidates) Check(ctx context.Context, p MyKeyDesk, typed string) error {
	if c.Fixed() {
		return ErrCandidateFixed
	}
	typed = NormalizeCandidate(typed)
	if mkpf.ValidateMyKeyID(typed) != nil {
		return ErrCandidateFormat
	}
	res, err := p.MyKeyCandidate(ctx, typed, false)
	if err != nil {
		return err
	}
	if res.Free {
		c.ID, c.checked = typed, true
		return nil
	}
	c.Dups++
	c.ID, c.checked = typed, false
	if c.Dups < MaxCandidateTries {
		return candidateTaken(MaxCandidateTries - c.Dups)
	}
	c.Switched = true
	_, err = c.Auto(ctx, p)
	return err
}

// Typed tells the rules the candidate field changed by typing: it must be checked again before [登録].
func (c *Candidates) Typed(s string) {
	if c.Fixed() {
		return
	}
	if NormalizeCandidate(s) != c.ID {
		c.checked = false
	}
}

// MyPageForm is the rest of screen 16 (and of 59-61).
type MyPageForm struct {
	Password, PasswordConfirm string
	Email, EmailConfirm       string
	Notices                   []string // mkpf.NoticeKind…
	BaseMunicipality          string   // "" = none chosen
}

// CheckMyPageForm applies screen 16's rules that need no platform: the password (6-16 half-width letters and digits,
// typed twice the same), the e-mail typed twice the same, notices only with an address.
func CheckMyPageForm(f MyPageForm) error {
	pw := f.Password
	if len(pw) < 6 || len(pw) > 16 || strings.IndexFunc(pw, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
	}) >= 0 {
		return &InputError{Key: "screen16.password.format", Format: "利用者マイページログイン用パスワードは6～16ケタの半角英数字で入力してください。"}
	}
	if f.PasswordConfirm != pw {
		return &InputError{Key: "screen16.password.mismatch", Format: "利用者マイページログイン用パスワードと[確認用]が一致しません。コピー・貼り付けはせずにもう一度入力してください。"}
	}
	if strings.TrimSpace(f.Email) != strings.TrimSpace(f.EmailConfirm) {
		return &InputError{Key: "screen16.email.mismatch", Format: "メールアドレスと[確認用]が一致しません。コピー・貼り付けはせずにもう一度入力してください。"}
	}
	if strings.TrimSpace(f.Email) == "" && len(f.Notices) > 0 {
		return &InputError{Key: "screen16.notice.noemail", Format: "メール通知を希望する場合は、メールアドレスを入力してください。"}
	}
	return nil
}

// CreateMyKeyID is screen 16 [登録] → 17: the candidate must be ready and the form good before anything is sent; the
// card's signature from screen 15 proves the holder.
func CreateMyKeyID(ctx context.Context, p MyKeyDesk, card mkpf.CardSignature, cand *Candidates, f MyPageForm) (*mkpf.MyKeyCreateResult, error) {
	if !cand.Ready() {
		return nil, ErrCandidateNone
	}
	if err := CheckMyPageForm(f); err != nil {
		return nil, err
	}
	if len(card.Signature) == 0 {
		return nil, errors.New("terminal: the card has not signed (screen 15)")
	}
	return p.CreateMyKeyID(ctx, mkpf.MyKeyCreateRequest{Card: card, MyKeyID: cand.ID, Password: f.Password,
		Email: strings.TrimSpace(f.Email), Notices: f.Notices, BaseMunicipality: f.BaseMunicipality})
}
