package mkpf

// Wire types of administrative point grants (いわゆる行政ポイント, seed 004 §V; screens 64-66, 71-79).
//
// Routes (docs/grants.md; the server enforces the kinds, and every route needs the X-Points-Session of the
// screen-71/77 login):
//
//	GET  /v1/grants/projects                          grant_office, point_grant: GrantProjectList (own municipality)
//	POST /v1/grants/projects                          grant_office: GrantProjectRequest → GrantProject (64-66; pending until approved)
//	POST /v1/grants/projects/{id}/close               grant_office: → GrantProject
//	POST /v1/grants/projects/{id}/participants        grant_office: ParticipantsRequest → ParticipantsResult (74-76)
//	POST /v1/grants/projects/{id}/sync                point_grant: → GrantSync (78)
//	POST /v1/grants/upload                            point_grant: GrantUploadRequest → GrantUploadResult (79)
//	POST /v1/grants/projects/{id}/grant-without-card  grant_office: WithoutCardRequest → GrantUploadResult (§V(7))
//	GET  /v1/grants/projects/{id}/taps                grant_office: → GrantTapReport (taps per hour per phone)
//
// The platform holds a roster as project membership by MyKey ID only; the personal fields of the roster (名前, 生年月日,
// 住所, 性別, 電話番号, メールアドレス, 備考) stay on the grant office PC. The points of a grant always come from the project
// (PointsPerPerson of its program), never from the terminal. One grant per project × participant.

// KindGrantOffice is the grant office PC running the 業務支援システム (screens 71-76 and 64-66).
const KindGrantOffice TerminalKind = "grant_office"

// GrantProject is one ポイント付与事業.
type GrantProject struct {
	ID               string `json:"id"`
	Name             string `json:"name"`       // ポイント付与事業名
	Department       string `json:"department"` // 担当部署
	PointsPerPerson  int64  `json:"points_per_person"`
	Note             string `json:"note,omitempty"` // 備考
	ProgramID        string `json:"program_id"`     // the municipal program granted (never reserved)
	ProgramName      string `json:"program_name"`
	MunicipalityCode string `json:"municipality_code"`
	MunicipalityName string `json:"municipality_name"`
	ExpiryRule       string `json:"expiry_rule,omitempty"` // ポイント有効期限, shown from the program
	Budget           int64  `json:"budget"`                // total points the project may grant
	Granted          int64  `json:"granted"`               // points granted so far
	Participants     int    `json:"participants"`          // roster size on the platform
	Closed           bool   `json:"closed"`
	// Pending: registered by a grant office and not yet approved by the platform's administrator (`mkpf-server admin
	// grant-project approve`): its points per person and budget are a request; no sync and no grant until approved.
	Pending   bool `json:"pending,omitempty"`
	CreatedAt Time `json:"created_at"`
}

// GrantProjectList answers GET /v1/grants/projects; Programs are the municipal programs a new project may grant
// (screen 64 shows the municipality code, its name and the expiry rule from them).
type GrantProjectList struct {
	Projects []GrantProject `json:"projects"`
	Programs []Program      `json:"programs"`
}

// GrantProjectRequest is screen 64 (confirmed on 65).
type GrantProjectRequest struct {
	Name            string `json:"name"`
	Department      string `json:"department"`
	PointsPerPerson int64  `json:"points_per_person"`
	Note            string `json:"note,omitempty"`
	ProgramID       string `json:"program_id"`
	Budget          int64  `json:"budget"`
}

// ParticipantsRequest adds participants to a project's roster, all or nothing: MyKeyIDs typed or imported (74, 75),
// or the AuthCert of a card read on screen 76 ([登録・読取]), whose MyKey ID the platform finds.
type ParticipantsRequest struct {
	MyKeyIDs []string `json:"mykey_ids,omitempty"`
	AuthCert []byte   `json:"auth_cert,omitempty"`
}

// ParticipantsResult says what the roster holds after the request.
type ParticipantsResult struct {
	Added        int    `json:"added"`
	Already      int    `json:"already"`
	MyKeyID      string `json:"mykey_id,omitempty"` // with AuthCert: the card's MyKey ID, to write into the office roster
	Participants int    `json:"participants"`
}

// GrantSync is the roster of one project for a grant phone (screen 78). It holds no certificate serial and no MyKey
// ID: each entry is HMAC-SHA256(Key, the participant's current auth-certificate serial as upper-case hex), hex, under
// a key made for this sync only. The phone matches a tapped card by computing the same HMAC.
type GrantSync struct {
	SyncID  string       `json:"sync_id"`
	Project GrantProject `json:"project"`
	Key     []byte       `json:"key"`
	Entries []SyncEntry  `json:"entries"`
	At      Time         `json:"at"`
	// People is how many participants the roster has (a renewed card gives a participant more than one entry).
	People int `json:"people"`
	// SealKey is the platform's grant seal key (X25519 public key): the phone seals the certificate read at each tap
	// to it (SealTapCert), and the platform refuses a tap of this sync without one (no_card_proof).
	SealKey []byte `json:"seal_key,omitempty"`
}

// SyncEntry is one participant of a GrantSync.
type SyncEntry struct {
	Hash    string `json:"hash"`
	Granted bool   `json:"granted,omitempty"` // already granted when synced
}

// GrantUploadItem is one grant stored on the phone (screen 79). GrantID is made on the device (16 random bytes, hex):
// an upload retried after a lost answer applies each ID once.
type GrantUploadItem struct {
	GrantID   string `json:"grant_id"`
	ProjectID string `json:"project_id"`
	SyncID    string `json:"sync_id"`
	Hash      string `json:"hash"`
	At        Time   `json:"at"` // when the card was tapped
	// Card is the auth certificate read at the tap, sealed to the sync's SealKey (SealTapCert): the proof that a
	// card was there, which a phone holding only the sync's hashes cannot make up.
	Card []byte `json:"card,omitempty"`
}

// GrantUploadRequest is [自治体ポイント管理クラウドへ登録].
type GrantUploadRequest struct {
	Grants []GrantUploadItem `json:"grants"`
}

// GrantAccepted is one grant applied (now or by an earlier upload of the same GrantID).
type GrantAccepted struct {
	GrantID string `json:"grant_id"`
	TxnID   string `json:"txn_id"`
	Points  int64  `json:"points"`
}

// GrantRefused is one grant the platform refused, with a code below and a Japanese message.
type GrantRefused struct {
	GrantID string `json:"grant_id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// GrantUploadResult answers an upload: every item is in exactly one list.
type GrantUploadResult struct {
	Accepted []GrantAccepted `json:"accepted"`
	Refused  []GrantRefused  `json:"refused"`
}

// WithoutCardRequest grants to a participant who forgot the card, after the office checked the identifying items on
// screen 76 (§V(7)); recorded as granted without the card.
type WithoutCardRequest struct {
	GrantID string `json:"grant_id"`
	MyKeyID string `json:"mykey_id"`
}

// Error codes of grants.
const (
	CodeNotOnRoster     = "not_on_roster"
	CodeAlreadyGranted  = "already_granted"
	CodeProjectClosed   = "project_closed"
	CodeBudgetExhausted = "budget_exhausted"
	CodeSyncUnknown     = "sync_unknown"
	CodeProjectPending  = "project_pending" // registered by the office, awaiting the administrator's approval
	CodeGrantLimit      = "grant_limit"     // the MyKey ID reached the grants per period across projects
	CodeUploadLimit     = "upload_limit"    // the phone reached its items per day
	CodeNoCardProof     = "no_card_proof"   // no sealed certificate of the tapped card, or not the card of the hash
)

// GrantRefusalFinal says whether a refusal stays so: a grant refused for a closed or unapproved project or for a
// limit of the period may be applied by a later upload (after the administrator reopens or approves the project, or
// in the next period), so the phone sends it again with its next upload.
func GrantRefusalFinal(code string) bool {
	switch code {
	case CodeProjectClosed, CodeProjectPending, CodeGrantLimit, CodeUploadLimit:
		return false
	}
	return true
}
