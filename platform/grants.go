package platform

// Administrative point grants (いわゆる行政ポイント, seed 004 §V; docs/grants.md): grant projects (screens 64-66),
// roster membership by MyKey ID (74-76), the grant phone's sync (78) and upload (79), and the office's grant without
// the card (§V(7)).
//
// A grant is one project × one participant, once; its points are the project's points per person, of the project's
// program, never a number the terminal sends. A grant is booked through the points ledger (grant/bookMove) in the
// same transaction as its once-only record, its device GrantID record, the project's running total and the e-mail
// notice of the holder (notices.go), so the ledger invariant and "once" hold together after every commit.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Buckets of grants.
var (
	bGrProjects = []byte("gr_projects") // project ID → grantProjectRec; NextSequence numbers the projects
	bGrMembers  = []byte("gr_members")  // project ID + "/" + MyKey ID → nil (the roster, by MyKey ID only)
	bGrDone     = []byte("gr_done")     // project ID + "/" + MyKey ID → grantDoneRec (once per participant)
	bGrIDs      = []byte("gr_ids")      // terminal ID + "/" + device GrantID → grantOutcome (each applied once)
	bGrSyncs    = []byte("gr_syncs")    // sync ID → grantSyncRec (the sync's key, to resolve uploads)
	bGrSyncMap  = []byte("gr_sync_map") // sync ID + "/" + entry hash → MyKey ID
	grBuckets   = [][]byte{bGrProjects, bGrMembers, bGrDone, bGrIDs, bGrSyncs, bGrSyncMap}
)

// Limits of one request.
const (
	maxGrantPointsPerPerson = 1_000_000
	maxGrantUploadItems     = 20_000
	maxGrantUploadBody      = 8 << 20
	maxParticipantsPerCall  = 20_000
)

type grantProjectRec struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Department       string    `json:"department"`
	PointsPerPerson  int64     `json:"points_per_person"`
	Note             string    `json:"note,omitempty"`
	ProgramID        string    `json:"program_id"`
	MunicipalityCode string    `json:"municipality_code"`
	Budget           int64     `json:"budget"`
	Granted          int64     `json:"granted"`
	Participants     int       `json:"participants"`
	Closed           bool      `json:"closed,omitempty"`
	ClosedAt         time.Time `json:"closed_at,omitzero"`
	CreatedAt        time.Time `json:"created_at"`
	CreatedBy        string    `json:"created_by,omitempty"` // terminal ID, "" for the admin command
	ApprovedAt       time.Time `json:"approved_at,omitzero"` // an office's request approved by the administrator (grants_sec.go)
}

type grantDoneRec struct {
	GrantID     string    `json:"grant_id"`
	TerminalID  string    `json:"terminal_id,omitempty"`
	TxnID       string    `json:"txn_id"`
	At          time.Time `json:"at"`             // booked
	TappedAt    time.Time `json:"tapped_at"`      // the card was tapped (device clock)
	WithoutCard bool      `json:"without_card"`   // §V(7): granted by the office after an identity check
	Points      int64     `json:"points"`         // of the project's program
	SyncID      string    `json:"sync,omitempty"` // the sync whose roster matched the card
}

// grantOutcome is the stored answer to one device GrantID: exactly one of the two.
type grantOutcome struct {
	Accepted *mkpf.GrantAccepted `json:"accepted,omitempty"`
	Refused  *mkpf.GrantRefused  `json:"refused,omitempty"` // records before issue 17 (whole refusal)
	Code     string              `json:"code,omitempty"`    // a refusal: its code (the message is grantRefusals')
}

type grantSyncRec struct {
	ProjectID  string    `json:"project_id"`
	TerminalID string    `json:"terminal_id"`
	Key        []byte    `json:"key"`
	At         time.Time `json:"at"`
	Entries    int       `json:"entries"`
	Sealed     bool      `json:"sealed,omitempty"` // its taps must carry the sealed certificate (grants_sec.go)
}

// Errors of grants. The messages are what the office clerk or the grant staff see.
var (
	errGrNoProject   = Errf(http.StatusNotFound, mkpf.CodeNotFound, "このポイント付与事業は見つかりません。事業一覧を更新して選び直してください。")
	errGrClosed      = Errf(http.StatusConflict, mkpf.CodeProjectClosed, "このポイント付与事業は終了しています。付与はできません。担当部署に確認してください。")
	errGrProgram     = Errf(http.StatusBadRequest, mkpf.CodeValidation, "付与するポイントには、この自治体の自治体ポイントを選んでください（留保ポイントは付与できません）。")
	errGrFreeGrant   = Errf(http.StatusForbidden, mkpf.CodeForbidden, "端末から任意のポイント数を付与することはできません。ポイント付与事業を登録し、対象者名簿に基づいて付与してください。")
	errGrGrantIDForm = "付与記録の番号が正しくありません。アプリを最新版に更新してください。"
)

// Messages of refused grants (GrantRefused.Message).
var grantRefusals = map[string]string{
	mkpf.CodeNotOnRoster:     "対象者名簿にありません。ポイント付与事業の担当部署に確認してください。",
	mkpf.CodeAlreadyGranted:  "この方にはこの事業のポイントを付与済みです。二重には付与しません。",
	mkpf.CodeProjectClosed:   "このポイント付与事業は終了しているため付与できません。担当部署に確認してください。",
	mkpf.CodeBudgetExhausted: "このポイント付与事業の予算（付与できるポイントの総数）に達したため付与できません。担当部署に確認してください。",
	mkpf.CodeSyncUnknown:     "この付与記録の名簿（同期）がプラットフォームにありません。名簿を同期し直してから、もう一度カードを読み取ってください。",
	mkpf.CodeValidation:      "付与記録の内容が正しくありません。アプリを最新版に更新してください。",
}

func refusal(grantID, code string) *mkpf.GrantRefused {
	return &mkpf.GrantRefused{GrantID: grantID, Code: code, Message: grantRefusals[code]}
}

func initGrantsSchema(db kv.DB) error {
	return db.Update(func(tx kv.Tx) error {
		for _, b := range append(append([][]byte{}, grBuckets...), mailBuckets...) {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// grantRoutes mounts the grant API (one line in routes.go; after pointRoutes, whose group commit it shares).
func (s *Server) grantRoutes(mux *http.ServeMux) {
	if err := initGrantsSchema(s.db); err != nil {
		s.log.Error("grants schema", "err", err)
	}
	office, phone := mkpf.KindGrantOffice, mkpf.KindPointGrant
	// Every grant route needs the points session of screens 71/77 (grantAuthed, grants_sec.go).
	mux.Handle("GET /v1/grants/projects", s.grantAuthed(s.handleGrantProjects, office, phone))
	mux.Handle("POST /v1/grants/projects", s.grantAuthed(s.handleGrantProjectCreate, office))
	mux.Handle("POST /v1/grants/projects/{id}/close", s.grantAuthed(s.handleGrantProjectClose, office))
	mux.Handle("POST /v1/grants/projects/{id}/participants", s.grantAuthed(s.handleParticipants, office))
	mux.Handle("POST /v1/grants/projects/{id}/sync", s.grantAuthed(s.handleGrantSync, phone))
	mux.Handle("POST /v1/grants/upload", s.grantAuthed(s.handleGrantUpload, phone))
	mux.Handle("POST /v1/grants/projects/{id}/grant-without-card", s.grantAuthed(s.handleGrantWithoutCard, office))
	mux.Handle("GET /v1/grants/projects/{id}/taps", s.grantAuthed(s.handleGrantTaps, office)) // taps per hour per phone
}

// handleFreeGrantRefused answers the removed free-amount grant route (POST /v1/points/grants): points are granted
// only through a project (admin: `mkpf-server admin points grant`).
func (s *Server) handleFreeGrantRefused(w http.ResponseWriter, r *http.Request) {
	s.WriteError(w, r, errGrFreeGrant)
}

func getGrantProject(tx kv.Tx, id string) (*grantProjectRec, error) {
	var p grantProjectRec
	ok, err := kv.GetJSON(tx.Bucket(bGrProjects), id, &p)
	if err != nil || !ok {
		return nil, err
	}
	return &p, nil
}

// callerProject reads a project of the caller's municipality (another municipality's project does not exist for it).
func callerProject(tx kv.Tx, c *Caller, id string) (*grantProjectRec, error) {
	p, err := getGrantProject(tx, id)
	if err != nil {
		return nil, err
	}
	if p == nil || p.MunicipalityCode != c.Municipality {
		return nil, errGrNoProject
	}
	return p, nil
}

func grantProjectView(tx kv.Tx, p *grantProjectRec) mkpf.GrantProject {
	v := mkpf.GrantProject{ID: p.ID, Name: p.Name, Department: p.Department, PointsPerPerson: p.PointsPerPerson, Note: p.Note,
		ProgramID: p.ProgramID, MunicipalityCode: p.MunicipalityCode, MunicipalityName: municipalityName(tx, p.MunicipalityCode),
		Budget: p.Budget, Granted: p.Granted, Participants: p.Participants, Closed: p.Closed, Pending: !p.approved(), CreatedAt: p.CreatedAt}
	if prog, _ := getProgram(tx, p.ProgramID); prog != nil {
		v.ProgramName, v.ExpiryRule = prog.Name, prog.ExpiryRule
	}
	return v
}

// grantablePrograms are the programs of a municipality a project may grant (never 留保ポイント).
func grantablePrograms(tx kv.Tx, municipality string) ([]mkpf.Program, error) {
	out := []mkpf.Program{}
	err := tx.Bucket(bPtPrograms).ForEach(func(k, v []byte) error {
		var p mkpf.Program
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		if p.MunicipalityCode == municipality && p.Kind != mkpf.PointReserved {
			out = append(out, p)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == mkpf.PointMunicipal
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// validateProject checks screen 64's input; field errors name the wire fields.
func validateProject(req *mkpf.GrantProjectRequest) *mkpf.APIError {
	req.Name, req.Department, req.Note = strings.TrimSpace(req.Name), strings.TrimSpace(req.Department), strings.TrimSpace(req.Note)
	var fe []mkpf.FieldError
	switch {
	case req.Name == "":
		fe = append(fe, mkpf.FieldError{Field: "name", Message: "ポイント付与事業名を入力してください。"})
	case utf8.RuneCountInString(req.Name) > 100:
		fe = append(fe, mkpf.FieldError{Field: "name", Message: "ポイント付与事業名は100文字以内で入力してください。"})
	}
	if utf8.RuneCountInString(req.Department) > 100 {
		fe = append(fe, mkpf.FieldError{Field: "department", Message: "担当部署は100文字以内で入力してください。"})
	}
	if utf8.RuneCountInString(req.Note) > 400 {
		fe = append(fe, mkpf.FieldError{Field: "note", Message: "備考は400文字以内で入力してください。"})
	}
	if req.PointsPerPerson < 1 || req.PointsPerPerson > maxGrantPointsPerPerson {
		fe = append(fe, mkpf.FieldError{Field: "points_per_person", Message: "付与ポイント数は1〜1,000,000の整数で入力してください。"})
	}
	if req.Budget < req.PointsPerPerson || req.Budget > maxGrant {
		fe = append(fe, mkpf.FieldError{Field: "budget", Message: "予算（付与できるポイントの総数）は付与ポイント数以上の整数で入力してください。"})
	}
	fe = append(fe, grantProjectTextErrors(req)...)
	if strings.TrimSpace(req.ProgramID) == "" {
		fe = append(fe, mkpf.FieldError{Field: "program_id", Message: "付与するポイント（自治体ポイント）を選んでください。"})
	}
	if len(fe) == 0 {
		return nil
	}
	return &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: fe[0].Message, Fields: fe}
}

// createProject stores a new project of municipality (in the caller's write transaction).
func createProject(tx kv.Tx, now time.Time, municipality, by string, req mkpf.GrantProjectRequest) (*grantProjectRec, error) {
	if ae := validateProject(&req); ae != nil {
		return nil, ae
	}
	prog, err := getProgram(tx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	if prog == nil || prog.Kind == mkpf.PointReserved || prog.MunicipalityCode != municipality {
		return nil, errGrProgram
	}
	b := tx.Bucket(bGrProjects)
	var id string
	for {
		seq, err := b.NextSequence()
		if err != nil {
			return nil, err
		}
		if id = fmt.Sprintf("GP%06d", seq); b.Get([]byte(id)) == nil {
			break
		}
	}
	p := &grantProjectRec{ID: id, Name: req.Name, Department: req.Department, PointsPerPerson: req.PointsPerPerson, Note: req.Note,
		ProgramID: prog.ID, MunicipalityCode: municipality, Budget: req.Budget, CreatedAt: now.UTC(), CreatedBy: by}
	return p, kv.PutJSON(b, id, p)
}

func (s *Server) handleGrantProjects(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	out := mkpf.GrantProjectList{Projects: []mkpf.GrantProject{}}
	err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		if err := tx.Bucket(bGrProjects).ForEach(func(k, v []byte) error {
			var p grantProjectRec
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			if p.MunicipalityCode == c.Municipality {
				out.Projects = append(out.Projects, grantProjectView(tx, &p))
			}
			return nil
		}); err != nil {
			return err
		}
		var err error
		out.Programs, err = grantablePrograms(tx, c.Municipality)
		return err
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

// handleGrantProjectCreate is screen 65 [登録] → 66.
func (s *Server) handleGrantProjectCreate(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.GrantProjectRequest
	raw, ok := s.readRequest(w, r, &req, 8<<10)
	if !ok {
		return
	}
	s.idempotentBuckets(w, r, c, raw, func(tx kv.Tx, _ *afterCommit) (int, any, error) {
		p, err := createProject(tx, s.now(), c.Municipality, c.TerminalID, req)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, grantProjectView(tx, p), nil
	})
}

func (s *Server) handleGrantProjectClose(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var out mkpf.GrantProject
	err := s.commit().Do(func(tx kv.Tx) error {
		p, err := callerProject(tx, c, r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := closeProject(tx, s.now(), p); err != nil {
			return err
		}
		out = grantProjectView(tx, p)
		return nil
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

func closeProject(tx kv.Tx, now time.Time, p *grantProjectRec) error {
	if p.Closed {
		return nil
	}
	p.Closed, p.ClosedAt = true, now.UTC()
	return kv.PutJSON(tx.Bucket(bGrProjects), p.ID, p)
}

// addMembers puts MyKey IDs on a project's roster, all or nothing: every ID must name a MyKey ID of the platform.
// At most maxListedErrors bad IDs are listed (the message counts them all); an error of unknown IDs is an
// *unknownIDsError with their number (the route counts them against the terminal).
func addMembers(tx kv.Tx, p *grantProjectRec, ids []string) (added, already int, err error) {
	var fe []mkpf.FieldError
	bad, unknown := 0, 0
	seen := map[string]bool{}
	ir := identityOf(tx)
	for i, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		ids[i] = id
		field := fmt.Sprintf("mykey_ids[%d]", i)
		var msg string
		known := false
		if mkpf.ValidateMyKeyID(id) == nil {
			if known, err = ir.hasPatron(id); err != nil {
				return 0, 0, err
			}
		}
		if mkpf.ValidateMyKeyID(id) != nil {
			msg = fmt.Sprintf("%d件目のマイキーIDの形式が正しくありません（英大文字と数字の8文字）。", i+1)
		} else if !known {
			msg = fmt.Sprintf("%d件目のマイキーID %s はマイキープラットフォームに登録されていません。マイキーIDを確認してください。", i+1, id)
			unknown++
		}
		if msg != "" {
			if bad++; len(fe) < maxListedErrors {
				fe = append(fe, mkpf.FieldError{Field: field, Message: msg})
			}
		}
	}
	if bad > 0 {
		msg := fe[0].Message
		if bad > 1 {
			msg = fmt.Sprintf("%s（ほか%d件）名簿には何も登録していません。直してからもう一度取り込んでください。", msg, bad-1)
		} else {
			msg += "名簿には何も登録していません。"
		}
		return 0, 0, &unknownIDsError{APIError: &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: msg, Fields: fe}, unknown: unknown}
	}
	m := tx.Bucket(bGrMembers)
	for _, id := range ids {
		k := []byte(p.ID + "/" + id)
		if seen[id] || m.Get(k) != nil {
			already++
			continue
		}
		seen[id] = true
		if err := m.Put(k, nil); err != nil {
			return 0, 0, err
		}
		added++
	}
	p.Participants += added
	return added, already, kv.PutJSON(tx.Bucket(bGrProjects), p.ID, p)
}

// handleParticipants is screens 74-76: MyKey IDs typed or imported, or the card read on 76.
func (s *Server) handleParticipants(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.ParticipantsRequest
	if _, ok := s.readRequest(w, r, &req, 1<<20); !ok {
		return
	}
	if (len(req.AuthCert) > 0) == (len(req.MyKeyIDs) > 0) || len(req.MyKeyIDs) > maxParticipantsPerCall {
		s.WriteError(w, r, Errf(http.StatusBadRequest, mkpf.CodeValidation, "マイキーIDの一覧（20,000件まで）か、読み取ったマイナンバーカードのどちらか一方を送ってください。"))
		return
	}
	if len(req.MyKeyIDs) > 0 {
		throttled, err := s.participantsThrottled(r.Context(), c)
		if err != nil { // the count is unknown: refused (fail closed)
			s.WriteError(w, r, err)
			return
		}
		if throttled {
			s.Count(c.TerminalID, "grants.participants.throttled")
			s.WriteError(w, r, errGrUnknownThrottled)
			return
		}
	}
	var cc *checkedCert
	if len(req.AuthCert) > 0 {
		var ok bool
		if cc, ok = s.checkedRef(w, r, mkpf.PatronRef{AuthCert: req.AuthCert}, false); !ok {
			return
		}
	}
	var out mkpf.ParticipantsResult
	err := s.commit().Do(func(tx kv.Tx) error {
		out = mkpf.ParticipantsResult{}
		p, err := callerProject(tx, c, r.PathValue("id"))
		if err != nil {
			return err
		}
		if p.Closed {
			return errGrClosed
		}
		ids := append([]string(nil), req.MyKeyIDs...)
		if cc != nil {
			id, err := resolvePatron(tx, cc)
			if err != nil {
				return err
			}
			ids, out.MyKeyID = []string{id}, id
		}
		if out.Added, out.Already, err = addMembers(tx, p, ids); err != nil {
			return err
		}
		out.Participants = p.Participants
		return nil
	})
	s.Count(c.TerminalID, "grants.participants."+codeOrOK(err))
	if ue := (*unknownIDsError)(nil); errors.As(err, &ue) {
		err = ue.APIError
		if cerr := s.countUnknownIDs(r.Context(), c, ue.unknown); cerr != nil {
			err = cerr // the guesses could not be counted: an internal error, not the list
		}
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

// SyncHash is the hash of one sync entry: HMAC-SHA256(key, the auth-certificate serial as upper-case hex without
// leading zeros), hex. The grant phone computes the same from the card it reads.
func SyncHash(key []byte, serialHex string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.ToUpper(serialHex)))
	return hex.EncodeToString(m.Sum(nil))
}

// currentSerials are the auth-certificate serials a participant's card may present now: the serial on record and
// any newer ones of the J-LIS renewal feed (linked at first use), leaving out revoked ones.
func currentSerials(tx kv.Tx, newer map[string][]string, serial string) ([]string, error) {
	var out []string
	var failed error
	seen := map[string]bool{}
	var walk func(sn string, depth int)
	walk = func(sn string, depth int) {
		if seen[sn] || depth > 16 {
			return
		}
		seen[sn] = true
		if revoked, err := identityOf(tx).revoked(sn); err != nil {
			failed = errors.Join(failed, err)
		} else if !revoked {
			out = append(out, sn)
		}
		for _, n := range newer[sn] {
			walk(n, depth+1)
		}
	}
	walk(serial, 0)
	return out, failed
}

// handleGrantSync is screen 78 [付与事業対象者名簿の同期（取得）].
func (s *Server) handleGrantSync(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var out mkpf.GrantSync
	seal, err := s.grantSealKey()
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	err = s.commit().Do(func(tx kv.Tx) error {
		p, err := callerProject(tx, c, r.PathValue("id"))
		if err != nil {
			return err
		}
		if p.Closed {
			return errGrClosed
		}
		if !p.approved() {
			return errGrPending
		}
		newer := map[string][]string{}
		if err := tx.Bucket(bRenewals).ForEach(func(n, o []byte) error {
			newer[string(o)] = append(newer[string(o)], string(n))
			return nil
		}); err != nil {
			return err
		}
		key := randomBytes(32)
		syncID := hex.EncodeToString(randomBytes(16))
		now := s.now().UTC()
		sm := tx.Bucket(bGrSyncMap)
		entries := []mkpf.SyncEntry{}
		people := 0
		prefix := p.ID + "/"
		cur := tx.Bucket(bGrMembers).Cursor()
		for k, _ := cur.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = cur.Next() {
			id := string(k[len(prefix):])
			pr, err := identityOf(tx).patron(id)
			if err != nil {
				return err
			}
			if pr == nil {
				continue
			}
			granted := tx.Bucket(bGrDone).Get(k) != nil
			people++
			serials, err := currentSerials(tx, newer, pr.AuthSerial)
			if err != nil {
				return err
			}
			for _, sn := range serials {
				h := SyncHash(key, sn)
				if err := sm.Put([]byte(syncID+"/"+h), []byte(id)); err != nil {
					return err
				}
				entries = append(entries, mkpf.SyncEntry{Hash: h, Granted: granted})
			}
		}
		// Sorted by hash: the order says nothing about the roster's order.
		sort.Slice(entries, func(i, j int) bool { return entries[i].Hash < entries[j].Hash })
		if err := kv.PutJSON(tx.Bucket(bGrSyncs), syncID, grantSyncRec{ProjectID: p.ID, TerminalID: c.TerminalID, Key: key, At: now, Entries: len(entries), Sealed: true}); err != nil {
			return err
		}
		out = mkpf.GrantSync{SyncID: syncID, Project: grantProjectView(tx, p), Key: key, Entries: entries, At: now, People: people, SealKey: seal.PublicKey().Bytes()}
		return nil
	})
	s.Count(c.TerminalID, "grants.sync."+codeOrOK(err))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}

// validGrantID: 16 bytes as 32 lower- or upper-case hex digits.
func validGrantID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// grantOnce applies one grant of project p to myKeyID unless a rule refuses it, in tx: the ledger move, the
// once-only record, the project's total and the holder's notice commit together. It returns the refusal code, or "".
func (s *Server) grantOnce(tx kv.Tx, now time.Time, p *grantProjectRec, myKeyID string, d grantDoneRec) (*mkpf.GrantAccepted, string, error) {
	return s.grantOnceIn(tx, nil, now, p, myKeyID, d)
}

// grantOnceIn is grantOnce whose ledger rows go into money (an upload chunk's, grants_chunks.go), nil: at once.
func (s *Server) grantOnceIn(tx kv.Tx, money *chunkGrants, now time.Time, p *grantProjectRec, myKeyID string, d grantDoneRec) (*mkpf.GrantAccepted, string, error) {
	switch {
	case p.Closed:
		return nil, mkpf.CodeProjectClosed, nil
	case !p.approved():
		return nil, mkpf.CodeProjectPending, nil
	case tx.Bucket(bGrMembers).Get([]byte(p.ID+"/"+myKeyID)) == nil:
		return nil, mkpf.CodeNotOnRoster, nil
	case tx.Bucket(bGrDone).Get([]byte(p.ID+"/"+myKeyID)) != nil:
		return nil, mkpf.CodeAlreadyGranted, nil
	case p.Granted+p.PointsPerPerson > p.Budget:
		return nil, mkpf.CodeBudgetExhausted, nil
	}
	if code, err := grantLimit(tx, now, myKeyID); code != "" || err != nil {
		return nil, code, err
	}
	prog, err := getProgram(tx, p.ProgramID)
	if err != nil {
		return nil, "", err
	}
	if prog == nil || prog.Kind == mkpf.PointReserved || prog.MunicipalityCode != p.MunicipalityCode {
		return nil, "", errGrProgram
	}
	note := "grant project " + p.ID
	if d.WithoutCard {
		note += " (without card)"
	}
	m, err := money.grant(tx, now, prog, myKeyID, p.PointsPerPerson, d.TerminalID, note)
	if err != nil {
		return nil, "", err
	}
	d.TxnID, d.At, d.Points = m.TxnID(), now.UTC(), p.PointsPerPerson
	if err := kv.PutJSON(tx.Bucket(bGrDone), p.ID+"/"+myKeyID, d); err != nil {
		return nil, "", err
	}
	p.Granted += p.PointsPerPerson
	if err := kv.PutJSON(tx.Bucket(bGrProjects), p.ID, p); err != nil {
		return nil, "", err
	}
	if over, err := grantNoticeOver(tx, now, myKeyID); err != nil {
		return nil, "", err
	} else if over {
		return &mkpf.GrantAccepted{GrantID: d.GrantID, TxnID: d.TxnID, Points: p.PointsPerPerson}, "", nil
	}
	if err := s.queueGrantNotice(tx, now, d.TappedAt, myKeyID, p, prog); err != nil {
		return nil, "", err
	}
	return &mkpf.GrantAccepted{GrantID: d.GrantID, TxnID: d.TxnID, Points: p.PointsPerPerson}, "", nil
}

// uploadTx applies one chunk of an upload in tx and returns its answer (every item in exactly one list). An item
// answered before gets the same answer. A new item counts against the phone's items of the JST day; its answer is
// stored (compactly, under its sync: pruned with it) unless it may change (mkpf.GrantRefusalFinal) or names no
// sync of this phone (recomputed alike: random items leave nothing in the store).
func (s *Server) uploadTx(tx kv.Tx, c *Caller, items []mkpf.GrantUploadItem, cards map[string]string) (*mkpf.GrantUploadResult, bool, error) {
	res := &mkpf.GrantUploadResult{Accepted: []mkpf.GrantAccepted{}, Refused: []mkpf.GrantRefused{}}
	now := s.now()
	ids := tx.Bucket(bGrIDs)
	projects := map[string]*grantProjectRec{}
	syncs := map[string]*grantSyncRec{}
	granted := false
	quotaKey := "items/" + c.TerminalID + "/" + jstDayKey(now)
	prefetchUpload(tx, c, items, now) // grants_chunks.go
	money := newChunkGrants(tx, len(items))
	used, limit := getCount(tx.Bucket(bGrCounts), quotaKey), uploadItemsPerDay(tx)
	usedBefore := used
	for _, it := range items {
		if !validGrantID(it.GrantID) {
			res.Refused = append(res.Refused, *refusal(it.GrantID, mkpf.CodeValidation))
			continue
		}
		gid := strings.ToLower(it.GrantID)
		idKey := c.TerminalID + "/" + gid
		var prev grantOutcome
		if ok, err := kv.GetJSON(ids, idKey, &prev); err != nil {
			return nil, false, err
		} else if ok {
			if acc, ref := prev.answer(gid); acc != nil {
				res.Accepted = append(res.Accepted, *acc)
			} else if ref != nil {
				res.Refused = append(res.Refused, *ref)
			}
			continue
		}
		if used >= limit {
			res.Refused = append(res.Refused, *refusal(gid, mkpf.CodeUploadLimit))
			continue
		}
		used++
		out := grantOutcome{}
		sy, ok := syncs[it.SyncID]
		if !ok {
			sy = new(grantSyncRec)
			if found, err := kv.GetJSON(tx.Bucket(bGrSyncs), it.SyncID, sy); err != nil {
				return nil, false, err
			} else if !found || it.SyncID == "" {
				sy = nil
			}
			syncs[it.SyncID] = sy
		}
		var myKeyID string
		if sy != nil && sy.ProjectID == it.ProjectID && sy.TerminalID == c.TerminalID {
			myKeyID = string(tx.Bucket(bGrSyncMap).Get([]byte(it.SyncID + "/" + strings.ToLower(it.Hash))))
		}
		p := projects[it.ProjectID]
		if p == nil && sy != nil {
			var err error
			if p, err = getGrantProject(tx, it.ProjectID); err != nil {
				return nil, false, err
			}
			if p != nil && p.MunicipalityCode != c.Municipality {
				p = nil
			}
			projects[it.ProjectID] = p
		}
		known := true
		switch {
		case sy == nil || p == nil || sy.ProjectID != it.ProjectID || sy.TerminalID != c.TerminalID:
			out.Refused, known = refusal(gid, mkpf.CodeSyncUnknown), false
		case myKeyID == "":
			out.Refused = refusal(gid, mkpf.CodeNotOnRoster)
		case sy.Sealed && !tapProven(sy, cards, gid, it.Hash):
			out.Refused = refusal(gid, mkpf.CodeNoCardProof)
		default:
			acc, code, err := s.grantOnceIn(tx, money, now, p, myKeyID, grantDoneRec{GrantID: gid, TerminalID: c.TerminalID, TappedAt: tapTime(it.At, sy.At, now), SyncID: it.SyncID})
			if err != nil {
				return nil, false, err
			}
			if code != "" {
				out.Refused = refusal(gid, code)
			} else {
				out.Accepted, granted = acc, true
			}
		}
		if known && (out.Accepted != nil || mkpf.GrantRefusalFinal(out.Refused.Code)) {
			if err := storeOutcome(tx, idKey, it.SyncID, out); err != nil {
				return nil, false, err
			}
		}
		if out.Accepted != nil {
			res.Accepted = append(res.Accepted, *out.Accepted)
		} else {
			res.Refused = append(res.Refused, *out.Refused)
		}
	}
	if used != usedBefore {
		if err := putCount(tx.Bucket(bGrCounts), quotaKey, used); err != nil {
			return nil, false, err
		}
	}
	money.book()
	return res, granted, nil
}

// handleGrantUpload is screen 79 [自治体ポイント管理クラウドへ登録]: the grants stored on the phone, applied in chunks
// of grantUploadChunk items, one transaction each, each after the tills' requests in flight (at most
// grantChunkYield): a till's use waits for one chunk at most, not for 20,000 items; each device GrantID once (a retry after a lost answer, or after a failed chunk, gets the same
// answers and applies nothing new).
func (s *Server) handleGrantUpload(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.GrantUploadRequest
	if _, ok := s.readRequest(w, r, &req, maxGrantUploadBody); !ok {
		return
	}
	if len(req.Grants) > maxGrantUploadItems {
		s.WriteError(w, r, Errf(http.StatusRequestEntityTooLarge, mkpf.CodeValidation, "一度に登録できる付与記録は20,000件までです。分けて登録してください。"))
		return
	}
	cards, err := s.tapCards(r.Context(), req.Grants)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	res := &mkpf.GrantUploadResult{Accepted: []mkpf.GrantAccepted{}, Refused: []mkpf.GrantRefused{}}
	granted := false
	for start := 0; start < len(req.Grants) && err == nil; start += grantUploadChunk {
		chunk := req.Grants[start:min(start+grantUploadChunk, len(req.Grants))]
		n := start / grantUploadChunk
		s.pts().till.waitIdle(r.Context(), grantChunkYield) // a patron at a till first (payments_first.go)
		var (
			part *mkpf.GrantUploadResult
			g    bool
		)
		err = s.commit().Do(func(tx kv.Tx) (err error) {
			if part, g, err = s.uploadTx(tx, c, chunk, cards); err == nil {
				err = s.pts().grants.chunkFault(n)
			}
			return err
		})
		if err == nil {
			s.pts().grants.committed.Add(1)
			res.Accepted = append(res.Accepted, part.Accepted...)
			res.Refused = append(res.Refused, part.Refused...)
			granted = granted || g
		}
	}
	s.Count(c.TerminalID, "grants.upload."+codeOrOK(err))
	if granted {
		s.kickMailer()
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// handleGrantWithoutCard is §V(7): the office grants to a participant who forgot the card, after checking the
// identifying items on screen 76; recorded as granted without the card.
func (s *Server) handleGrantWithoutCard(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	var req mkpf.WithoutCardRequest
	if _, ok := s.readRequest(w, r, &req, 4<<10); !ok {
		return
	}
	if !validGrantID(req.GrantID) {
		s.WriteError(w, r, Errf(http.StatusBadRequest, mkpf.CodeValidation, errGrGrantIDForm))
		return
	}
	id := strings.ToUpper(strings.TrimSpace(req.MyKeyID))
	if mkpf.ValidateMyKeyID(id) != nil {
		s.WriteError(w, r, &mkpf.APIError{Status: http.StatusBadRequest, Code: mkpf.CodeValidation, Message: "マイキーIDは英大文字と数字の8文字で入力してください。",
			Fields: []mkpf.FieldError{{Field: "mykey_id", Message: "マイキーIDは英大文字と数字の8文字で入力してください。"}}})
		return
	}
	res := &mkpf.GrantUploadResult{Accepted: []mkpf.GrantAccepted{}, Refused: []mkpf.GrantRefused{}}
	var granted bool
	err := s.commit().Do(func(tx kv.Tx) error {
		res.Accepted, res.Refused, granted = res.Accepted[:0], res.Refused[:0], false
		gid := strings.ToLower(req.GrantID)
		idKey := c.TerminalID + "/" + gid
		var prev grantOutcome
		if ok, err := kv.GetJSON(tx.Bucket(bGrIDs), idKey, &prev); err != nil {
			return err
		} else if ok {
			if acc, ref := prev.answer(gid); acc != nil {
				res.Accepted = append(res.Accepted, *acc)
			} else if ref != nil {
				res.Refused = append(res.Refused, *ref)
			}
			return nil
		}
		p, err := callerProject(tx, c, r.PathValue("id"))
		if err != nil {
			return err
		}
		acc, code, err := s.grantOnce(tx, s.now(), p, id, grantDoneRec{GrantID: gid, TerminalID: c.TerminalID, TappedAt: s.now().UTC(), WithoutCard: true})
		if err != nil {
			return err
		}
		out := grantOutcome{Accepted: acc}
		if code != "" {
			out.Refused = refusal(gid, code)
			res.Refused = append(res.Refused, *out.Refused)
			if !mkpf.GrantRefusalFinal(code) {
				return nil // may apply after the administrator reopens or approves the project
			}
		} else {
			res.Accepted, granted = append(res.Accepted, *acc), true
		}
		return storeOutcome(tx, idKey, "", out)
	})
	s.Count(c.TerminalID, "grants.without_card."+codeOrOK(err))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if granted {
		s.kickMailer()
	}
	WriteJSON(w, http.StatusOK, res)
}

// GrantSyncKeep is how long a roster sync (its key and its hash → MyKey ID entries) is kept for uploads. Each sync
// stores an entry per participant's card, so a phone syncing a 10,000-person roster every event day would otherwise
// add megabytes a day for ever. A tap recorded with a sync older than this is refused as sync_unknown (「名簿を同期し
// 直してから…」): grant staff upload after each event, well within it.
const GrantSyncKeep = 90 * 24 * time.Hour

// PruneGrantSyncs deletes the syncs older than GrantSyncKeep with their entries (the daily maintenance runs it) and
// returns how many syncs it deleted. Each transaction deletes at most sweepBatch×8 entries.
func (s *Server) PruneGrantSyncs() (int, error) {
	cut := s.now().Add(-GrantSyncKeep)
	var old []string
	if err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bGrSyncs).ForEach(func(k, v []byte) error {
			var rec grantSyncRec
			if json.Unmarshal(v, &rec) == nil && rec.At.Before(cut) {
				old = append(old, string(k))
			}
			return nil
		})
	}); err != nil {
		return 0, err
	}
	for _, id := range old {
		if err := s.pruneSyncUploads(id); err != nil { // grants_sec.go: the upload records of the sync
			return 0, err
		}
		for more := true; more; {
			err := s.commit().Do(func(tx kv.Tx) error {
				more = false
				sm := tx.Bucket(bGrSyncMap)
				prefix := []byte(id + "/")
				var keys [][]byte
				c := sm.Cursor()
				for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
					if len(keys) == sweepBatch*8 {
						more = true
						break
					}
					keys = append(keys, append([]byte(nil), k...))
				}
				for _, k := range keys {
					if err := sm.Delete(k); err != nil {
						return err
					}
				}
				if more {
					return nil
				}
				return tx.Bucket(bGrSyncs).Delete([]byte(id)) // last, so a half-pruned sync is found again
			})
			if err != nil {
				return 0, err
			}
		}
	}
	return len(old), s.pruneGrantCounts()
}
