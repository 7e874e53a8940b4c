package platform

import (
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var (
	postalRe = regexp.MustCompile(`^[0-9]{3}-?[0-9]{4}$`)
	phoneRe  = regexp.MustCompile(`^[0-9]{2,5}-?[0-9]{1,4}-?[0-9]{3,4}$`)
	emailRe  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// ValidateContact applies screen 10's field rules and returns every failing field with its Japanese message. For a
// service-ID terminal the issuer, when given, must be one of issuerIDs (the issuers of the terminal's municipality;
// handlePutContact then also requires it to be the terminal's fixed issuer); other kinds must leave it empty. Every
// text field is refused with its name when it holds control or bidi-override characters (textfields.go).
func ValidateContact(ct *mkpf.Contact, kind mkpf.TerminalKind, issuerIDs map[string]bool) []mkpf.FieldError {
	var fe []mkpf.FieldError
	add := func(field, msg string) { fe = append(fe, mkpf.FieldError{Field: field, Message: msg}) }
	req := func(field, label, v string, max int) bool {
		if httpapi.HasBadText(v) {
			add(field, httpapi.BadTextMessage(label))
			return false
		}
		v = strings.TrimSpace(v)
		if v == "" {
			add(field, label+"を入力してください。")
			return false
		}
		if utf8.RuneCountInString(v) > max {
			add(field, label+"は"+itoa(max)+"文字以内で入力してください。")
			return false
		}
		return true
	}
	req("location", "設置場所", ct.Location, 100)
	req("name", "端末名", ct.Name, 50)
	if httpapi.HasBadText(ct.IssuerID) {
		add("issuer_id", httpapi.BadTextMessage("ID付与事業者名"))
	} else if kind == mkpf.KindServiceID {
		if ct.IssuerID != "" && !issuerIDs[ct.IssuerID] {
			add("issuer_id", "ID付与事業者名は一覧から選んでください。")
		}
	} else if ct.IssuerID != "" {
		add("issuer_id", "ID付与事業者名はサービスID利用端末だけが選べます。")
	}
	req("person", "担当者名", ct.Person, 50)
	req("organization", "所属組織", ct.Organization, 100)
	if req("postal_code", "郵便番号", ct.PostalCode, 8) && !postalRe.MatchString(strings.TrimSpace(ct.PostalCode)) {
		add("postal_code", "郵便番号は3桁と4桁の半角数字で入力してください（例：210-0004）。")
	}
	req("address", "住所", ct.Address, 200)
	if req("phone", "電話番号", ct.Phone, 20) && !phoneRe.MatchString(strings.TrimSpace(ct.Phone)) {
		add("phone", "電話番号は半角数字とハイフンで入力してください（例：044-200-2111）。")
	}
	okMail := req("email", "メールアドレス", ct.Email, 254)
	if okMail && !emailRe.MatchString(strings.TrimSpace(ct.Email)) {
		add("email", "メールアドレスの形式が正しくありません。")
		okMail = false
	}
	if req("email_confirm", "メールアドレス（確認用）", ct.EmailConfirm, 254) && okMail &&
		strings.TrimSpace(ct.Email) != strings.TrimSpace(ct.EmailConfirm) {
		add("email_confirm", "メールアドレスとメールアドレス（確認用）が一致しません。コピー・貼り付けはせずに入力してください。")
	}
	return fe
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// normalizeContact trims spaces and writes the postal code as NNN-NNNN.
func normalizeContact(ct *mkpf.Contact) {
	for _, p := range []*string{&ct.Location, &ct.Name, &ct.IssuerID, &ct.Person, &ct.Organization, &ct.PostalCode,
		&ct.Address, &ct.Phone, &ct.Email, &ct.EmailConfirm} {
		*p = strings.TrimSpace(*p)
	}
	if len(ct.PostalCode) == 7 {
		ct.PostalCode = ct.PostalCode[:3] + "-" + ct.PostalCode[3:]
	}
}

// issuersOf lists the issuers of a municipality.
func issuersOf(tx kv.Tx, municipality string) ([]mkpf.Issuer, error) {
	var out []mkpf.Issuer
	all, err := identityOf(tx).issuers()
	for _, is := range all {
		if is.MunicipalityCode == municipality {
			out = append(out, is)
		}
	}
	return out, err
}

func (s *Server) handleIssuers(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var out []mkpf.Issuer
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) (err error) {
		out, err = issuersOf(tx, c.Municipality)
		return err
	}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if out == nil {
		out = []mkpf.Issuer{}
	}
	WriteJSON(w, http.StatusOK, out)
}

func (s *Server) handleTerminal(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var info mkpf.TerminalInfo
	err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		t, err := getTerminal(tx, c.TerminalID)
		if err != nil || t == nil {
			return errNotEnrolled
		}
		info = terminalInfo(tx, t)
		return nil
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, info)
}

var (
	errIssuerFixed = &mkpf.APIError{Status: http.StatusConflict, Code: mkpf.CodeIssuerFixed,
		Message: "ID付与事業者は自治体が設定しています。この端末からは変更できません。変更が必要な場合は自治体の担当者に依頼してください。",
		Fields:  []mkpf.FieldError{{Field: "issuer_id", Message: "ID付与事業者は自治体が設定します。"}}}
	errIssuerNotSet = &mkpf.APIError{Status: http.StatusConflict, Code: mkpf.CodeNoIssuer,
		Message: "この端末にはID付与事業者が設定されていません。自治体の担当者にID付与事業者の設定を依頼してください。",
		Fields:  []mkpf.FieldError{{Field: "issuer_id", Message: "ID付与事業者は自治体が設定します。"}}}
)

var errNoContact = Errf(http.StatusNotFound, mkpf.CodeNotFound, "連絡先はまだ登録されていません。")

func (s *Server) handleGetContact(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var ct *mkpf.Contact
	if err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		t, err := getTerminal(tx, c.TerminalID)
		if err != nil || t == nil {
			return errNotEnrolled
		}
		ct = t.Contact
		return nil
	}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if ct == nil {
		s.WriteError(w, r, errNoContact)
		return
	}
	WriteJSON(w, http.StatusOK, ct)
}

// handlePutContact is screen 10 (登録) and 連絡先の変更: all fields at once, every failing field reported.
func (s *Server) handlePutContact(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var ct mkpf.Contact
	raw, ok := s.readRequest(w, r, &ct, 16<<10)
	if !ok {
		return
	}
	s.Idempotent(w, r, c, raw, func(tx kv.Tx) (int, any, error) {
		t, err := getTerminal(tx, c.TerminalID)
		if err != nil || t == nil {
			return 0, nil, errNotEnrolled
		}
		list, err := issuersOf(tx, t.Municipality)
		if err != nil {
			return 0, nil, err
		}
		ids := map[string]bool{}
		for _, is := range list {
			ids[is.ID] = true
		}
		if fe := ValidateContact(&ct, t.Kind, ids); len(fe) > 0 {
			return 0, nil, &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation,
				Message: "入力内容に誤りがあります。赤字の項目を直してください。", Fields: fe}
		}
		if t.Kind == mkpf.KindServiceID {
			// The issuer is fixed by the roster or an administrator, never by the terminal (docs/security.md).
			switch {
			case t.IssuerID == "":
				return 0, nil, errIssuerNotSet
			case ct.IssuerID != "" && ct.IssuerID != t.IssuerID:
				return 0, nil, errIssuerFixed
			}
		}
		normalizeContact(&ct)
		if t.Kind == mkpf.KindServiceID {
			ct.IssuerID = t.IssuerID
		}
		t.Contact = &ct
		t.Location, t.Name = ct.Location, ct.Name
		if err := kv.PutJSON(tx.Bucket(bTerminals), t.ID, t); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, terminalInfo(tx, t), nil
	})
}
