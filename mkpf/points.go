package mkpf

// Wire types of the points API (自治体ポイント管理クラウド, screens 2, 28-39, 87). docs/points.md lists the routes.

import (
	"strings"
	"time"
)

// PointKind is the kind of a point account (seed 004 §II-2).
type PointKind string

const (
	PointMunicipal PointKind = "municipal" // 自治体ポイント: one program per municipality
	PointEvent     PointKind = "event"     // 特定支援イベントポイント: per event, with a service period
	PointReserved  PointKind = "reserved"  // 留保ポイント: exists, never spendable at shops
)

// LabelJA is the kind's name as the documents write it.
func (k PointKind) LabelJA() string {
	switch k {
	case PointMunicipal:
		return "自治体ポイント"
	case PointEvent:
		return "特定支援イベントポイント"
	case PointReserved:
		return "留保ポイント"
	}
	return string(k)
}

// PointName is the one form in which a point program is named wherever the terminal shows or prints ポイントの種類:
// the program's own name when it already says its kind (「川崎市 自治体ポイント」, 「かわさき子育て応援イベントポイント」),
// else the name with the kind in brackets (「川崎市ポイント（自治体ポイント）」); the kind alone when there is no name.
// kind may be "" where only the name is known (a voucher).
func PointName(kind PointKind, name string) string {
	word := map[PointKind]string{PointMunicipal: "自治体ポイント", PointEvent: "イベント", PointReserved: "留保ポイント"}[kind]
	switch {
	case name == "":
		return kind.LabelJA()
	case word == "" || strings.Contains(name, word):
		return name
	}
	return name + "（" + kind.LabelJA() + "）"
}

// VoucherTitle is the title printed on a voucher of the program named name: 「川崎市 自治体ポイント券」, an event's
// 「かわさき子育て応援イベントポイント券」 (not a 自治体ポイント券), 「ポイント券」 when the name is unknown.
func VoucherTitle(name string) string {
	switch {
	case name == "":
		return "ポイント券"
	case strings.HasSuffix(name, "ポイント"):
		return name + "券"
	}
	return name + " ポイント券"
}

// Program is one point program. ValidFrom/ValidTo ("YYYY-MM-DD", Japan time, inclusive) bound when its points can be
// used; empty means unbounded. ExpiryMonths > 0 makes the points of each grant expire that many months after the
// grant day (the municipality's expiry rule; the oldest points are spent first). ExpiryRule says the rule in words.
type Program struct {
	ID               string    `json:"id"`
	Kind             PointKind `json:"kind"`
	MunicipalityCode string    `json:"municipality_code"`
	Name             string    `json:"name"`
	ValidFrom        string    `json:"valid_from,omitempty"`
	ValidTo          string    `json:"valid_to,omitempty"`
	ExpiryMonths     int       `json:"expiry_months,omitempty"`
	ExpiryRule       string    `json:"expiry_rule,omitempty"`
	// FloorLimit is the municipality's limit above which point use, voucher issue and merge need proof of card
	// presence (PIN + card signature, like a contactless payment's floor limit); 0: the tap is always enough.
	FloorLimit int64 `json:"floor_limit,omitempty"`
	// FloorDayLimit is what one card may move without proof per Japan-time day in this program (0: FloorLimit);
	// FloorTerminalDayLimit is the same for one terminal (0: 100 × FloorLimit). Past either, proof is asked at any
	// amount (docs/security.md).
	FloorDayLimit         int64 `json:"floor_day_limit,omitempty"`
	FloorTerminalDayLimit int64 `json:"floor_terminal_day_limit,omitempty"`
}

// PatronRef says whose points: the whole user-authentication certificate (DER) read from the My Number Card, or the
// shopping-district point card number read by a keyboard-interface reader (merge only, screen 37).
type PatronRef struct {
	AuthCert []byte `json:"auth_cert,omitempty"`
	ShopCard string `json:"shop_card,omitempty"`
	// Presence is the proof of card presence, needed above the program's floor limit (presence.go).
	Presence *CardPresence `json:"presence,omitempty"`
}

// PointsLoginRequest is screen 2: the terminal's login ID (its terminal ID) and password.
type PointsLoginRequest struct {
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
}

// PointsLoginResult is what screen 28 needs: who the terminal is and which menu items it may use.
type PointsLoginResult struct {
	Terminal TerminalInfo `json:"terminal"`
	Menu     PointsMenu   `json:"menu"`
	// Session is the points session the login opens: sent in PointsSessionHeader on every other /v1/points/ call,
	// kept in memory only (a copied state file does not carry it). It ends at SessionExpiresAt, or at once when the
	// terminal is disabled, reset or gets a new password.
	Session          string    `json:"session"`
	SessionExpiresAt time.Time `json:"session_expires_at"`
}

// PointsMenu says which screen-28 items this terminal may use (the server enforces the same rules).
type PointsMenu struct {
	Use       bool `json:"use"`       // ポイント利用 29-31
	Issue     bool `json:"issue"`     // ポイント券発行 32-34
	Clear     bool `json:"clear"`     // ポイント券消込 35-36
	Merge     bool `json:"merge"`     // 商店街ポイント合算 37-39
	Aggregate bool `json:"aggregate"` // 自治体ポイント集計 87
	// Grant terminals log in with the same call: the grant phone (77-79) and the grant office (64-66, 71-76).
	Grant       bool `json:"grant,omitempty"`        // 持ち歩き用ポイント付与アプリ 77-79 (point_grant)
	GrantOffice bool `json:"grant_office,omitempty"` // 業務支援システム 71-76 and ポイント付与事業登録 64-66 (grant_office)
}

// Balance is one usable balance.
type Balance struct {
	ProgramID   string    `json:"program_id"`
	ProgramName string    `json:"program_name"`
	Kind        PointKind `json:"kind"`
	Points      int64     `json:"points"`
	ValidTo     string    `json:"valid_to,omitempty"`
	// NextExpiry is when the oldest of these points expire and how many (programs with an expiry rule).
	NextExpiry       string `json:"next_expiry,omitempty"`
	NextExpiryPoints int64  `json:"next_expiry_points,omitempty"`
}

// BalancesResult is screens 29/32/37 after [カード読取]: the balances usable at this terminal only.
type BalancesResult struct {
	Balances []Balance `json:"balances"`
	// ShopPointID is the patron's 商店街ポイントID at this terminal's issuer (merge terminals only).
	ShopPointID string `json:"shop_point_id,omitempty"`
}

// UseRequest is screen 30 [利用].
type UseRequest struct {
	PatronRef
	ProgramID string `json:"program_id"`
	Points    int64  `json:"points"`
}

// UseResult is screen 31 and the receipt.
type UseResult struct {
	TxnID        string `json:"txn_id"`
	ProgramID    string `json:"program_id"`
	ProgramName  string `json:"program_name"`
	Points       int64  `json:"points"`
	BalanceAfter int64  `json:"balance_after"`
	At           Time   `json:"at"`
	TerminalID   string `json:"terminal_id"`
	Location     string `json:"location,omitempty"`
}

// VoucherIssueRequest is screen 33 [発行]. Expires is the last valid day (YYYY-MM-DD), at most VoucherMaxDays ahead.
type VoucherIssueRequest struct {
	PatronRef
	ProgramID string `json:"program_id"`
	Points    int64  `json:"points"`
	Expires   string `json:"expires"`
}

// VoucherState is a voucher's life: outstanding → cleared (settled) or lapsed (失効, never settled).
type VoucherState string

const (
	VoucherOutstanding VoucherState = "outstanding"
	VoucherCleared     VoucherState = "cleared"
	VoucherLapsed      VoucherState = "lapsed"
)

// LabelJA is the state as screens 35/36 show it.
func (s VoucherState) LabelJA() string {
	switch s {
	case VoucherOutstanding:
		return "未消込"
	case VoucherCleared:
		return "消込済"
	case VoucherLapsed:
		return "失効"
	}
	return string(s)
}

// Voucher is a point voucher as the platform knows it (screens 33-36).
type Voucher struct {
	Number      string       `json:"number"`  // 8 digits
	Display     string       `json:"display"` // 9876-5432
	Points      int64        `json:"points"`
	ProgramID   string       `json:"program_id"`
	ProgramName string       `json:"program_name"`
	Expires     string       `json:"expires"` // last valid day
	IssuedAt    Time         `json:"issued_at"`
	IssuedBy    string       `json:"issued_by"` // terminal ID
	IssuedPlace string       `json:"issued_place,omitempty"`
	State       VoucherState `json:"state"`
	ClearedAt   *Time        `json:"cleared_at,omitempty"`
	ClearedBy   string       `json:"cleared_by,omitempty"`
	QR          string       `json:"qr"`                 // the signed QR text
	Reissued    bool         `json:"reissued,omitempty"` // this copy is a reissue (print 再発行)
	Reissues    int          `json:"reissues,omitempty"` // how many times it was reissued
}

// VoucherCodeRequest names a voucher by its QR text or typed number (screen 35).
type VoucherCodeRequest struct {
	Code string `json:"code"`
}

// VoucherKeys are the platform's voucher-signing public keys (raw Ed25519, 32 bytes each), for offline checks.
type VoucherKeys struct {
	Keys [][]byte `json:"keys"`
}

// MergeRequest is screen 38 [合算]. ProgramID empty = the municipality's 自治体ポイント.
type MergeRequest struct {
	PatronRef
	ProgramID string `json:"program_id,omitempty"`
	Points    int64  `json:"points"`
}

// MergeResult is screen 39: the encrypted file for the shop system, which the client writes into its merge folder.
type MergeResult struct {
	Txn          string `json:"txn"`     // 取引済番号
	ID           string `json:"id"`      // field 1 as written: 商店街ポイントID or MyKey ID
	IDKind       string `json:"id_kind"` // "shop_point_id" or "mykey_id"
	ProgramID    string `json:"program_id"`
	Points       int64  `json:"points"`
	BalanceAfter int64  `json:"balance_after"`
	FileName     string `json:"file_name"`
	File         []byte `json:"file"`
	At           Time   `json:"at"`
}

// GrantRequest gives points (a point-grant terminal (エ) of the program's municipality). MyKeyID is used when the
// participant has no card with them (roster check, screen 79).
type GrantRequest struct {
	PatronRef
	MyKeyID   string `json:"mykey_id,omitempty"`
	ProgramID string `json:"program_id"`
	Points    int64  `json:"points"`
}

// GrantResult is the answer to a grant.
type GrantResult struct {
	TxnID        string `json:"txn_id"`
	Points       int64  `json:"points"`
	BalanceAfter int64  `json:"balance_after"`
}

// AggregateRow is one line of the detail (明細) of screen 87.
type AggregateRow struct {
	At          Time   `json:"at"`
	TxnID       string `json:"txn_id"`
	Kind        string `json:"kind"` // use, voucher_clear, merge
	ProgramID   string `json:"program_id"`
	ProgramName string `json:"program_name"`
	Points      int64  `json:"points"`
	VoucherNo   string `json:"voucher_no,omitempty"`
}

// Aggregate is screen 87: for a period, the terminal's location, number of transactions and total points.
type Aggregate struct {
	From       string         `json:"from"`
	To         string         `json:"to"`
	TerminalID string         `json:"terminal_id"`
	Location   string         `json:"location"`
	Count      int            `json:"count"`
	Total      int64          `json:"total"`
	Rows       []AggregateRow `json:"rows"`
}

// Error codes of the points API (in addition to wire.go's).
const (
	CodeInsufficientPoints = "insufficient_points"
	CodeProgramNotUsable   = "program_not_usable"
	CodeVoucherUnknown     = "voucher_unknown"
	CodeVoucherForged      = "voucher_forged"
	CodeVoucherExpired     = "voucher_expired"
	CodeVoucherCleared     = "voucher_already_cleared"
	CodeNoMergeSetup       = "no_merge_setup"
)
