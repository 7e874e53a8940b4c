package mkpf

import "time"

// The patron desk (利用者窓口, seed 004 §I.6, seed 000 画面14-21, 58-63; docs/patron-desk.md): a patron makes and
// looks after their own MyKey ID with their own card and PIN at a counter prepared for it.

// KindPatronDesk is the patron desk terminal (利用者窓口端末): screens 14-21 and 58-63.
const KindPatronDesk TerminalKind = "patron_desk"

// Operations a card signature on the patron desk is good for. Each has its own challenge slot on the platform and its
// own context in the signed bytes, so a signature made for one cannot be used for another (nor for a point
// operation's proof of presence).
const (
	MyKeyOpCreate = "create" // screens 14-17: make a MyKey ID
	MyKeyOpLogin  = "login"  // screen 18: log in to 利用者マイページ by card
	MyKeyOpChange = "change" // screen 62: change the MyKey ID
	MyKeyOpRevoke = "revoke" // screen 63: revoke the MyKey ID
)

// MyKeySignedBytes is what the card signs on the patron desk: a context string, the operation, the terminal ID and
// the platform's one-use challenge.
func MyKeySignedBytes(op, terminalID string, challenge []byte) []byte {
	b := []byte("mkpf-mykey-desk-v1\x00" + op + "\x00" + terminalID + "\x00")
	return append(b, challenge...)
}

// MyKeyChallengeRequest asks for a one-use challenge for one operation (POST /v1/mykey/challenge).
type MyKeyChallengeRequest struct {
	Op string `json:"op"`
}

// CardSignature is the patron's card answering a challenge: the user-authentication certificate (DER), the challenge
// and the card's signature over MyKeySignedBytes.
type CardSignature struct {
	AuthCert  []byte `json:"auth_cert"`
	Challenge []byte `json:"challenge"`
	Signature []byte `json:"signature"`
}

// MyKeyCandidateRequest is screen 16's [自動生成] (Auto) or [重複チェック] (ID) (POST /v1/mykey/candidate).
type MyKeyCandidateRequest struct {
	ID   string `json:"id,omitempty"`
	Auto bool   `json:"auto,omitempty"`
}

// MyKeyCandidateResult says whether the candidate is free (a generated one always is when it is answered).
type MyKeyCandidateResult struct {
	ID   string `json:"id"`
	Free bool   `json:"free"`
}

// Notice kinds a MyKey ID holder may choose (screen 16's four check boxes).
const (
	NoticeKindGrant    = "grant"    // 各自治体ポイントが付与された場合
	NoticeKindLapse    = "lapse"    // 各自治体ポイントが失効した場合
	NoticeKindPassword = "password" // パスワードを変更した場合
	NoticeKindMyKeyID  = "mykeyid"  // マイキーIDを登録、変更、失効した場合
)

// MyKeyCreateRequest is screen 16 [登録] (POST /v1/mykey/create).
type MyKeyCreateRequest struct {
	Card             CardSignature `json:"card"`
	MyKeyID          string        `json:"mykey_id"`
	Password         string        `json:"password"`
	Email            string        `json:"email,omitempty"`
	Notices          []string      `json:"notices,omitempty"`
	BaseMunicipality string        `json:"base_municipality,omitempty"`
}

// MyKeyCreateResult is screen 17.
type MyKeyCreateResult struct {
	MyKeyID   string    `json:"mykey_id"`
	CreatedAt time.Time `json:"created_at"`
}

// PointMunicipality is one row of screen 16's 基本自治体ポイント口座 pull-down: a municipality that runs 自治体ポイント.
type PointMunicipality struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Codes of the patron desk.
const (
	CodeMyKeyIDTaken  = "mykey_id_taken" // the candidate is someone else's MyKey ID
	CodeHasMyKeyID    = "has_mykey_id"   // this person has a MyKey ID already
	CodeCardSignature = "card_signature" // the card's signature over the challenge is missing or wrong
	CodeMyPageLogin   = "mypage_login"   // MyKey ID or password wrong (one answer for both)
	CodeMyPageSession = "mypage_session" // no or ended 利用者マイページ session
)

// MyPageLoginRequest is screen 18: the MyKey ID and password, or the card's signature for MyKeyOpLogin
// (POST /v1/mykey/login).
type MyPageLoginRequest struct {
	MyKeyID  string         `json:"mykey_id,omitempty"`
	Password string         `json:"password,omitempty"`
	Card     *CardSignature `json:"card,omitempty"`
}

// MyPageLoginResult opens a 利用者マイページ session on this desk. ByCard says the session ends when the card is
// removed.
type MyPageLoginResult struct {
	Session   string    `json:"session"`
	ExpiresAt time.Time `json:"expires_at"`
	MyKeyID   string    `json:"mykey_id"`
	ByCard    bool      `json:"by_card,omitempty"`
}

// MyPageRequest carries the session of a 利用者マイページ call (POST /v1/mykey/page, /v1/mykey/logout).
type MyPageRequest struct {
	Session string `json:"session"`
}

// MyPageBalance is one balance of screen 19.
type MyPageBalance struct {
	Kind      PointKind `json:"kind"`
	ProgramID string    `json:"program_id"`
	Name      string    `json:"name"`
	Points    int64     `json:"points"`
	Base      bool      `json:"base,omitempty"` // the 基本自治体ポイント口座
}

// MyPageServiceID is one row of screen 58: ID付与事業者名 and 利用カード番号.
type MyPageServiceID struct {
	IssuerName string `json:"issuer_name"`
	CardNumber string `json:"card_number"`
}

// MyPage is screens 19 and 58: 留保ポイント first, then 自治体ポイント (the base municipality's first, then by balance),
// then 特定支援イベントポイント by balance; the service IDs by issuer.
type MyPage struct {
	MyKeyID              string            `json:"mykey_id"`
	BaseMunicipality     string            `json:"base_municipality,omitempty"`
	BaseMunicipalityName string            `json:"base_municipality_name,omitempty"`
	Email                string            `json:"email,omitempty"`
	Notices              []string          `json:"notices,omitempty"`
	Balances             []MyPageBalance   `json:"balances"`
	ServiceIDs           []MyPageServiceID `json:"service_ids"`
}

// MyPageUpdateRequest is screens 59-61 [変更]: the settings as they are to be (the e-mail "" removes it and every
// notice); NewPassword only when the password changes (POST /v1/mykey/update).
type MyPageUpdateRequest struct {
	Session          string   `json:"session"`
	Email            string   `json:"email,omitempty"`
	Notices          []string `json:"notices,omitempty"`
	BaseMunicipality string   `json:"base_municipality,omitempty"`
	NewPassword      string   `json:"new_password,omitempty"`
}

// MyKeyRevokeRequest is screen 63 [失効]: the session and the card's signature for MyKeyOpRevoke (the patron
// themself, now). POST /v1/mykey/revoke.
type MyKeyRevokeRequest struct {
	Session string        `json:"session"`
	Card    CardSignature `json:"card"`
}

// CodeNotYourCard: the card that signed is not the logged-in MyKey ID's.
const CodeNotYourCard = "not_your_card"

// MyKeyChangeRequest is screen 62 [変更]: the session, the card's signature for MyKeyOpChange and the new MyKey ID
// (from the same candidate rules as screen 16). POST /v1/mykey/change.
type MyKeyChangeRequest struct {
	Session string        `json:"session"`
	Card    CardSignature `json:"card"`
	NewID   string        `json:"new_id"`
}

// CouponRequest is screen 20 (look the code up) and 21 [利用] (use it): POST /v1/mykey/coupon/lookup and …/use.
type CouponRequest struct {
	Session string `json:"session"`
	Code    string `json:"code"`
}

// CouponResult is screen 21: the partner company, the points, and after use the 留保ポイント balance.
type CouponResult struct {
	Partner      string `json:"partner"`
	Points       int64  `json:"points"`
	ProgramName  string `json:"program_name,omitempty"`
	Used         bool   `json:"used,omitempty"`
	BalanceAfter int64  `json:"balance_after,omitempty"`
}

// Codes of coupon codes.
const (
	CodeCouponUnknown = "coupon_unknown"
	CodeCouponUsed    = "coupon_used"
	CodeNoBase        = "no_base_municipality"
)
