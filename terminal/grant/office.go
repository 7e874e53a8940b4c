package grant

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// OfficeFile is the office roster inside the grant office terminal's data directory (bbolt, mode 0600).
const OfficeFile = "grant_office.db"

var (
	bOfficeSettings = []byte("settings")     // "fields" → []string
	bParticipants   = []byte("participants") // participant ID → Participant
)

// Participant is one entry of the office roster: a project, the person's items (kept here only) and, once known, the
// MyKey ID that is on the platform's roster.
type Participant struct {
	ID          string    `json:"id"` // local, 16 random bytes hex
	ProjectID   string    `json:"project_id"`
	ProjectName string    `json:"project_name"`
	MyKeyID     string    `json:"mykey_id,omitempty"`
	Person      Person    `json:"person"`
	Added       time.Time `json:"added"`
	// CardRegistered is when [登録・読取] put the MyKey ID of the participant's card on the roster (screen 76).
	CardRegistered time.Time `json:"card_registered,omitzero"`
	// WithoutCardGrantID is the GrantID of the grant made without the card (§V(7)); it is kept before the call so a
	// retry applies once. WithoutCardAt is when the platform accepted it.
	WithoutCardGrantID string    `json:"without_card_grant_id,omitempty"`
	WithoutCardAt      time.Time `json:"without_card_at,omitzero"`
	WithoutCardTxn     string    `json:"without_card_txn,omitempty"`
}

// Query narrows the office roster (screen 76). Empty fields do not narrow; text fields match a part (spaces ignored).
type Query struct {
	ProjectID string
	MyKeyID   string
	Person    Person
}

// ImportResult says what an import (74) or a single entry (75) added.
type ImportResult struct {
	Added       int // rows written to the office roster
	WithMyKeyID int // of them, with a MyKey ID now on the platform's roster
	Already     int // MyKey IDs the platform's roster already had
}

// Errors of the office roster (their text is the clerk-facing Japanese message).
var (
	ErrNoParticipant  = errors.New("その対象者は名簿にありません。検索し直してください。")
	ErrNeedMyKeyID    = errors.New("この対象者にはマイキーIDがまだありません。先に［登録・読取］でカードを読み取るか、マイキーIDを入力してください。")
	ErrHasMyKeyID     = errors.New("この対象者のマイキーIDは登録済みです。カードを読み取る必要はありません。")
	ErrProjectUnknown = errors.New("そのポイント付与事業は見つかりません。事業一覧から選び直してください。")
	ErrProjectClosed  = errors.New("このポイント付与事業は終了しています。名簿の登録や付与はできません。")
	ErrAlreadyOnList  = errors.New("このマイキーIDは既にこの事業の名簿にあります。")
)

// Office is the grant office PC's roster (業務支援システム, screens 72-76). Safe for concurrent use.
type Office struct {
	db *bbolt.DB
}

// OpenOffice opens (or creates) the office roster in dataDir. One process at a time holds it.
func OpenOffice(dataDir string) (*Office, error) {
	db, err := bbolt.Open(filepath.Join(dataDir, OfficeFile), 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, errors.New("名簿ファイルを他のプログラムが使用中です。そのプログラムを終了してから、もう一度お試しください。")
		}
		return nil, fmt.Errorf("名簿ファイルを開けません（%s）: %w", dataDir, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bOfficeSettings, bParticipants} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Office{db: db}, nil
}

// Close closes the roster file.
func (o *Office) Close() error { return o.db.Close() }

// DefaultFields are the identifying items used before screen 72 was set: 名前 and 生年月日.
var DefaultFields = []string{FieldName, FieldBirth}

// Fields returns the identifying items chosen on screen 72 (初期設定), in IdentifyingFields order.
func (o *Office) Fields() []string {
	fields := DefaultFields
	o.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bOfficeSettings).Get([]byte("fields")); v != nil {
			var f []string
			if json.Unmarshal(v, &f) == nil {
				fields = f
			}
		}
		return nil
	})
	return fields
}

// SetFields saves screen 72's choice; 名前 is always used, unknown names are refused.
func (o *Office) SetFields(fields []string) error {
	out := []string{}
	for _, f := range IdentifyingFields {
		if f == FieldName || contains(fields, f) {
			out = append(out, f)
		}
	}
	for _, f := range fields {
		if !contains(IdentifyingFields, f) {
			return fmt.Errorf("「%s」は本人確認の項目にありません。%s から選んでください。", f, strings.Join(IdentifyingFields, "、"))
		}
	}
	v, _ := json.Marshal(out)
	return o.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bOfficeSettings).Put([]byte("fields"), v) })
}

// FindProject returns the project id from the platform's list (open or closed).
func FindProject(ctx context.Context, p Platform, id string) (mkpf.GrantProject, error) {
	list, err := p.GrantProjects(ctx)
	if err != nil {
		return mkpf.GrantProject{}, err
	}
	for _, pr := range list.Projects {
		if pr.ID == id {
			return pr, nil
		}
	}
	return mkpf.GrantProject{}, ErrProjectUnknown
}

// Import reads a roster file (screen 74) for project and adds every row, all or nothing: a bad file or row gives an
// *ImportError and nothing is written; the MyKey IDs of the rows go to the platform's roster in one call before the
// rows are written here (when that call fails nothing is written; importing again is safe).
func (o *Office) Import(ctx context.Context, p Platform, project mkpf.GrantProject, data []byte) (*ImportResult, error) {
	if project.Closed {
		return nil, ErrProjectClosed
	}
	rows, err := ParseRoster(data, project, o.Fields())
	if err != nil {
		return nil, err
	}
	var bad []RowError
	existing := o.myKeyIDs(project.ID)
	for _, r := range rows {
		if r.MyKeyID != "" && existing[r.MyKeyID] {
			bad = append(bad, RowError{Line: r.Line, Field: "マイキーID", Message: ErrAlreadyOnList.Error()})
		}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Message: MsgBadRows, Rows: bad}
	}
	ps := make([]Participant, len(rows))
	for i, r := range rows {
		ps[i] = Participant{ProjectID: project.ID, ProjectName: project.Name, MyKeyID: r.MyKeyID, Person: r.Person}
	}
	return o.add(ctx, p, project, ps)
}

// Add puts one participant typed on screen 75 on the roster (mykeyID may be empty). Bad items give an *ImportError
// whose rows name the fields (Line 0).
func (o *Office) Add(ctx context.Context, p Platform, project mkpf.GrantProject, mykeyID string, person Person) (*Participant, error) {
	if project.Closed {
		return nil, ErrProjectClosed
	}
	mykeyID = strings.ToUpper(halfWidth(strings.TrimSpace(mykeyID)))
	person, errs := checkPerson(trimPerson(person), mykeyID, o.Fields())
	if len(errs) == 0 && mykeyID != "" && o.myKeyIDs(project.ID)[mykeyID] {
		errs = append(errs, RowError{Field: "マイキーID", Message: ErrAlreadyOnList.Error()})
	}
	if len(errs) > 0 {
		return nil, &ImportError{Message: "入力内容に誤りがあります。次の項目を直してください。", Rows: errs}
	}
	ps := []Participant{{ProjectID: project.ID, ProjectName: project.Name, MyKeyID: mykeyID, Person: person}}
	if _, err := o.add(ctx, p, project, ps); err != nil {
		return nil, err
	}
	return &ps[0], nil
}

func trimPerson(p Person) Person {
	for _, f := range []*string{&p.Name, &p.Birth, &p.Address, &p.Sex, &p.Phone, &p.Email, &p.Note} {
		*f = strings.TrimSpace(*f)
	}
	return p
}

// add sends the MyKey IDs of ps to the platform, then writes ps (IDs and times set in place) in one transaction.
func (o *Office) add(ctx context.Context, p Platform, project mkpf.GrantProject, ps []Participant) (*ImportResult, error) {
	res := &ImportResult{}
	var ids []string
	for _, x := range ps {
		if x.MyKeyID != "" {
			ids = append(ids, x.MyKeyID)
		}
	}
	if len(ids) > 0 {
		pr, err := p.AddParticipants(ctx, project.ID, mkpf.ParticipantsRequest{MyKeyIDs: ids})
		if err != nil {
			return nil, err
		}
		res.WithMyKeyID, res.Already = len(ids), pr.Already
	}
	now := time.Now().UTC()
	err := o.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bParticipants)
		for i := range ps {
			ps[i].ID, ps[i].Added = newID(), now
			v, err := json.Marshal(ps[i])
			if err != nil {
				return err
			}
			if err := b.Put([]byte(ps[i].ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Added = len(ps)
	return res, nil
}

func (o *Office) myKeyIDs(projectID string) map[string]bool {
	m := map[string]bool{}
	o.each(func(x Participant) {
		if x.ProjectID == projectID && x.MyKeyID != "" {
			m[x.MyKeyID] = true
		}
	})
	return m
}

func (o *Office) each(fn func(Participant)) {
	o.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bParticipants).ForEach(func(_, v []byte) error {
			var x Participant
			if json.Unmarshal(v, &x) == nil {
				fn(x)
			}
			return nil
		})
	})
}

// Search lists the participants matching q (screen 76), by project, then name.
func (o *Office) Search(q Query) []Participant {
	norm := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(halfWidth(s)), "")) }
	match := func(have, want string) bool { return want == "" || strings.Contains(norm(have), norm(want)) }
	var out []Participant
	o.each(func(x Participant) {
		if q.ProjectID != "" && x.ProjectID != q.ProjectID || !match(x.MyKeyID, q.MyKeyID) {
			return
		}
		for _, f := range IdentifyingFields {
			want := q.Person.Field(f)
			if f == FieldBirth && want != "" {
				if b, ok := normBirth(want); ok {
					want = b
				}
			}
			if !match(x.Person.Field(f), want) {
				return
			}
		}
		out = append(out, x)
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].ProjectID != out[j].ProjectID {
			return out[i].ProjectID < out[j].ProjectID
		}
		if out[i].Person.Name != out[j].Person.Name {
			return out[i].Person.Name < out[j].Person.Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Participant returns one entry of the office roster.
func (o *Office) Participant(id string) (Participant, error) {
	var x Participant
	err := o.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bParticipants).Get([]byte(id))
		if v == nil {
			return ErrNoParticipant
		}
		return json.Unmarshal(v, &x)
	})
	return x, err
}

func (o *Office) put(x Participant) error {
	v, err := json.Marshal(x)
	if err != nil {
		return err
	}
	return o.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bParticipants).Put([]byte(x.ID), v) })
}

// RegisterCard is [登録・読取] of screen 76 for a participant without a MyKey ID yet: the participant's card is read
// in reader ("" = the first holding a My Number Card; only the auth certificate, no PIN), the platform puts the card's
// MyKey ID on the project's roster and returns it, and it is written to the office roster.
func (o *Office) RegisterCard(ctx context.Context, p Platform, src cardio.Source, reader, participantID string) (*Participant, error) {
	x, err := o.Participant(participantID)
	if err != nil {
		return nil, err
	}
	if x.MyKeyID != "" {
		return nil, ErrHasMyKeyID
	}
	cr, err := cardio.ReadAuthCert(ctx, src, reader)
	if err != nil {
		return nil, err
	}
	res, err := p.AddParticipants(ctx, x.ProjectID, mkpf.ParticipantsRequest{AuthCert: cr.DER})
	if err != nil {
		return nil, err
	}
	if o.myKeyIDs(x.ProjectID)[res.MyKeyID] {
		// The card is another participant's entry already (a second entry for the same person): keep one.
		return nil, ErrAlreadyOnList
	}
	x.MyKeyID, x.CardRegistered = res.MyKeyID, time.Now().UTC()
	if err := o.put(x); err != nil {
		return nil, err
	}
	return &x, nil
}

// RegisterMyKeyID is screen 76's other way (§V(5) 「窓口を訪れた本人からの申告内容を確認し、自治体職員がマイキーIDを登
// 録する」): the MyKey ID the participant declares at the counter, checked by the clerk, is put on the platform's roster
// and written to the participant's entry. A malformed ID gives an *ImportError naming マイキーID.
func (o *Office) RegisterMyKeyID(ctx context.Context, p Platform, participantID, mykeyID string) (*Participant, error) {
	x, err := o.Participant(participantID)
	if err != nil {
		return nil, err
	}
	if x.MyKeyID != "" {
		return nil, ErrHasMyKeyID
	}
	mykeyID = strings.ToUpper(halfWidth(strings.TrimSpace(mykeyID)))
	if mykeyID == "" || mkpf.ValidateMyKeyID(mykeyID) != nil {
		return nil, &ImportError{Message: "入力内容に誤りがあります。次の項目を直してください。",
			Rows: []RowError{{Field: "マイキーID", Message: "マイキーIDは英大文字と数字の8文字です（本人が申告したマイキーIDを入力してください）"}}}
	}
	if o.myKeyIDs(x.ProjectID)[mykeyID] {
		return nil, ErrAlreadyOnList
	}
	if _, err := p.AddParticipants(ctx, x.ProjectID, mkpf.ParticipantsRequest{MyKeyIDs: []string{mykeyID}}); err != nil {
		return nil, err
	}
	x.MyKeyID = mykeyID
	if err := o.put(x); err != nil {
		return nil, err
	}
	return &x, nil
}

// GrantWithoutCard grants the project's points to a participant who forgot the card (§V(7)), after the clerk checked
// the identifying items shown on screen 76. The GrantID is written to the roster before the call, so a retry after a
// lost answer applies once. A refusal comes back as a *mkpf.APIError-like error with the platform's message.
func (o *Office) GrantWithoutCard(ctx context.Context, p Platform, participantID string) (*mkpf.GrantAccepted, error) {
	x, err := o.Participant(participantID)
	if err != nil {
		return nil, err
	}
	if x.MyKeyID == "" {
		return nil, ErrNeedMyKeyID
	}
	if x.WithoutCardGrantID == "" {
		x.WithoutCardGrantID = newID()
		if err := o.put(x); err != nil {
			return nil, err
		}
	}
	res, err := p.GrantWithoutCard(ctx, x.ProjectID, mkpf.WithoutCardRequest{GrantID: x.WithoutCardGrantID, MyKeyID: x.MyKeyID})
	if err != nil {
		return nil, err
	}
	for _, r := range res.Refused {
		if r.Code != mkpf.CodeAlreadyGranted {
			// Nothing was applied: a later try after the cause is fixed uses a new GrantID.
			x.WithoutCardGrantID = ""
			o.put(x)
		}
		return nil, &RefusedError{Code: r.Code, Message: r.Message}
	}
	if len(res.Accepted) != 1 {
		return nil, fmt.Errorf("付与の結果を受け取れませんでした。もう一度お試しください（同じ付与は二重になりません）。")
	}
	x.WithoutCardAt, x.WithoutCardTxn = time.Now().UTC(), res.Accepted[0].TxnID
	if err := o.put(x); err != nil {
		return nil, err
	}
	return &res.Accepted[0], nil
}

// RefusedError is a grant the platform refused, with its code (mkpf.Code…) and Japanese message.
type RefusedError struct{ Code, Message string }

func (e *RefusedError) Error() string { return e.Message }

// newID is 16 random bytes, hex: local participant IDs and device GrantIDs.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
