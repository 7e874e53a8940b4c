package grant

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Columns is the header of the roster file (取り込み入力用様式, screen 74), in this order.
var Columns = []string{"ポイント付与事業名", "付与ポイント", "マイキーID", "名前", "生年月日", "住所", "性別", "電話番号", "メールアドレス", "備考"}

// The identifying items a participant may carry (screen 72 chooses which are used).
const (
	FieldName    = "名前"
	FieldBirth   = "生年月日"
	FieldAddress = "住所"
	FieldSex     = "性別"
	FieldPhone   = "電話番号"
	FieldEmail   = "メールアドレス"
	FieldNote    = "備考"
)

// IdentifyingFields are the items screen 72 offers, in the template's order.
var IdentifyingFields = []string{FieldName, FieldBirth, FieldAddress, FieldSex, FieldPhone, FieldEmail, FieldNote}

// Sexes are the values accepted in 性別 (empty too).
var Sexes = []string{"男性", "女性", "その他"}

// Person is the personal part of a roster entry; it never leaves the office terminal.
type Person struct {
	Name    string `json:"name"`              // 名前
	Birth   string `json:"birth,omitempty"`   // 生年月日, normalised to YYYY-MM-DD
	Address string `json:"address,omitempty"` // 住所
	Sex     string `json:"sex,omitempty"`     // 性別: 男性, 女性, その他
	Phone   string `json:"phone,omitempty"`   // 電話番号
	Email   string `json:"email,omitempty"`   // メールアドレス
	Note    string `json:"note,omitempty"`    // 備考
}

// Field returns the value of one identifying item (a Field… name).
func (p Person) Field(name string) string {
	switch name {
	case FieldName:
		return p.Name
	case FieldBirth:
		return p.Birth
	case FieldAddress:
		return p.Address
	case FieldSex:
		return p.Sex
	case FieldPhone:
		return p.Phone
	case FieldEmail:
		return p.Email
	case FieldNote:
		return p.Note
	}
	return ""
}

// RosterRow is one parsed line of a roster file.
type RosterRow struct {
	Line        int    // line number in the file (the header is line 1)
	ProjectName string // ポイント付与事業名
	Points      int64  // 付与ポイント (0 when left empty)
	MyKeyID     string // マイキーID, may be empty (registered later with the card on screen 76)
	Person
}

// RowError is one refused line of a roster file or one refused field of a participant typed by hand (Line 0).
type RowError struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"` // a column name
	Message string `json:"message"`
}

func (e RowError) String() string {
	s := ""
	if e.Line > 0 {
		s = fmt.Sprintf("%d行目: ", e.Line)
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Message
}

// ImportError refuses a whole roster file (nothing was imported): a wrong header, a file that cannot be read, or
// the bad rows by line number.
type ImportError struct {
	Message string     // what is wrong and what to do, in Japanese
	Rows    []RowError // the bad rows, in file order
}

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, r := range e.Rows {
		b.WriteString("\n")
		b.WriteString(r.String())
	}
	return b.String()
}

// Messages of the roster file.
const (
	MsgHeader   = "様式の見出し行が違います。取り込み入力用様式をダウンロードし、1行目を変えずに入力してください。期待する見出し: "
	MsgBadRows  = "名簿ファイルに誤りがあるため、1件も取り込んでいません。次の行を直して、もう一度取り込んでください。"
	MsgEmpty    = "名簿ファイルに対象者の行がありません（記入例の行は取り込みません）。記入例の下の行から対象者を入力してください。"
	MsgEncoding = "名簿ファイルの文字コードを読み取れません。Excelで「CSV (コンマ区切り)」または「CSV UTF-8」として保存し直してください。"
	MsgCSV      = "名簿ファイルをCSVとして読み取れません。Excelで「CSV (コンマ区切り)」として保存し直してください。"
	MsgTooBig   = "名簿ファイルが大きすぎます（20MBまで）。ファイルを分けて取り込んでください。"
)

// Limits of one roster file: its size, and the bad rows an *ImportError lists (the message counts the rest).
const (
	MaxRosterBytes     = 20 << 20
	MaxListedRowErrors = 1000
)

// The template's example line is marked as one: its 名前 begins with SampleMark and its 備考 says so. A line whose 名前
// begins with the mark (also with half-width parentheses) is never imported, so an example left in the file does not
// put 「山田太郎」 on the roster.
const (
	SampleMark = "（記入例）"
	SampleNote = "この行は記入例です。取り込まれません（消しても構いません）。"
)

// isSample reports whether a line's 名前 marks it as the template's example.
func isSample(name string) bool {
	n := strings.TrimSpace(name)
	return strings.HasPrefix(n, SampleMark) || strings.HasPrefix(n, "(記入例)")
}

// Template is the 取り込み入力用様式 ([取り込み入力用様式ダウンロード], screen 74): the header line and one example line
// (marked, never imported) for project, as UTF-8 CSV with a BOM (Excel opens it with the right characters) and CRLF
// line ends.
func Template(project mkpf.GrantProject) []byte {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(Columns)
	// Cells are made inert for spreadsheets (a project named 「=…」 must not become a formula in Excel).
	w.Write(mkpf.InertCSVRow([]string{project.Name, strconv.FormatInt(project.PointsPerPerson, 10), "", SampleMark + "山田太郎", "1940年1月1日", "東京都千代田区A町1-1", "男性", "03-1234-5678", "taro@example.jp", SampleNote}))
	w.Flush()
	return b.Bytes()
}

// decodeText turns a roster file into text: UTF-8 with or without a BOM, else Shift_JIS (Excel's default for
// 「CSV (コンマ区切り)」 on Japanese Windows).
func decodeText(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		data = data[3:]
		if !utf8.Valid(data) {
			return "", errors.New(MsgEncoding)
		}
		return string(data), nil
	}
	out, _, err := transform.Bytes(japanese.ShiftJIS.NewDecoder(), data)
	sjisOK := err == nil && utf8.Valid(out) && !bytes.ContainsRune(out, utf8.RuneError)
	if utf8.Valid(data) {
		// Bytes valid as both: the decoding whose text is Japanese or ASCII (half-width katakana ﾅｶ, C5 B6 in
		// Shift_JIS, is Ŷ in UTF-8); UTF-8 when both are.
		if sjisOK && foreignRunes(string(out)) < foreignRunes(string(data)) {
			return string(out), nil
		}
		return string(data), nil
	}
	if !sjisOK {
		return "", errors.New(MsgEncoding)
	}
	return string(out), nil
}

// foreignRunes counts the characters of s that are neither ASCII nor Japanese (kana, kanji, CJK and full-width or
// half-width forms).
func foreignRunes(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < 0x80, r == 0xfeff, r >= 0x3000 && r <= 0x30ff, r >= 0x3400 && r <= 0x9fff, r >= 0xf900 && r <= 0xfaff,
			r >= 0xff00 && r <= 0xffef, r >= 0x2010 && r <= 0x2027, r >= 0x2030 && r <= 0x203b, r >= 0x2100 && r <= 0x22ff,
			r >= 0x2460 && r <= 0x26ff, r == 0xa7 || r == 0xa8 || r == 0xb0 || r == 0xb1 || r == 0xb4 || r == 0xb6 || r == 0xd7 || r == 0xf7:
		default:
			n++
		}
	}
	return n
}

// ParseRoster reads a roster file for project: the header must be Columns; every row must name the project and its
// points (or leave the points empty); a row may leave マイキーID empty; required names the identifying items that must
// be filled (screen 72's choice; 名前 always). All or nothing: any bad row gives an *ImportError listing every bad
// row by line number.
func ParseRoster(data []byte, project mkpf.GrantProject, required []string) ([]RosterRow, error) {
	if len(data) > MaxRosterBytes {
		return nil, &ImportError{Message: MsgTooBig}
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, &ImportError{Message: err.Error()}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err == io.EOF {
		return nil, &ImportError{Message: MsgHeader + strings.Join(Columns, ",")}
	}
	if err != nil {
		return nil, &ImportError{Message: MsgCSV}
	}
	if !headerOK(head) {
		return nil, &ImportError{Message: MsgHeader + strings.Join(Columns, ","), Rows: []RowError{{Line: 1, Message: "見出し: " + strings.Join(head, ",")}}}
	}
	var rows []RosterRow
	var bad []RowError
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			bad = append(bad, RowError{Line: line, Message: "CSVの形式が崩れています（引用符「\"」の対応を確かめてください）"})
			continue
		}
		if allEmpty(rec) || len(rec) > 3 && isSample(rec[3]) {
			continue // an empty line, or the template's example
		}
		line, _ := r.FieldPos(0)
		row, errs := parseRow(rec, line, project, required)
		if row.MyKeyID != "" {
			if first, ok := seen[row.MyKeyID]; ok {
				errs = append(errs, RowError{Line: line, Field: "マイキーID", Message: fmt.Sprintf("%d行目と同じマイキーIDです", first)})
			} else {
				seen[row.MyKeyID] = line
			}
		}
		bad = append(bad, errs...)
		rows = append(rows, row)
	}
	if len(bad) > MaxListedRowErrors {
		return nil, &ImportError{Message: MsgBadRows + fmt.Sprintf("（誤りは%d件あります。最初の%d件を示します）", len(bad), MaxListedRowErrors), Rows: bad[:MaxListedRowErrors]}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Message: MsgBadRows, Rows: bad}
	}
	if len(rows) == 0 {
		return nil, &ImportError{Message: MsgEmpty}
	}
	return rows, nil
}

func headerOK(head []string) bool {
	for len(head) > len(Columns) && strings.TrimSpace(head[len(head)-1]) == "" {
		head = head[:len(head)-1] // Excel keeps empty columns a user touched
	}
	if len(head) != len(Columns) {
		return false
	}
	for i, c := range Columns {
		if strings.TrimSpace(strings.TrimPrefix(head[i], "\uFEFF")) != c {
			return false
		}
	}
	return true
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func parseRow(rec []string, line int, project mkpf.GrantProject, required []string) (RosterRow, []RowError) {
	var errs []RowError
	for len(rec) > len(Columns) && strings.TrimSpace(rec[len(rec)-1]) == "" {
		rec = rec[:len(rec)-1]
	}
	if len(rec) != len(Columns) {
		return RosterRow{Line: line}, []RowError{{Line: line, Message: fmt.Sprintf("列の数が%d個です（%d個必要です）", len(rec), len(Columns))}}
	}
	f := make([]string, len(rec))
	for i := range rec {
		f[i] = strings.TrimSpace(rec[i])
	}
	row := RosterRow{Line: line, ProjectName: f[0], MyKeyID: strings.ToUpper(halfWidth(f[2]))}
	if row.ProjectName != project.Name && row.ProjectName != mkpf.InertCSVCell(project.Name) {
		errs = append(errs, RowError{Line: line, Field: Columns[0], Message: fmt.Sprintf("選択したポイント付与事業「%s」と違います", project.Name)})
	}
	if p := halfWidth(f[1]); p != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(p, ",", ""), 10, 64)
		if err != nil || n != project.PointsPerPerson {
			errs = append(errs, RowError{Line: line, Field: Columns[1], Message: fmt.Sprintf("この事業の付与ポイントは%dです（空欄でも構いません）", project.PointsPerPerson)})
		}
		row.Points = n
	}
	person, perrs := checkPerson(Person{Name: f[3], Birth: f[4], Address: f[5], Sex: f[6], Phone: f[7], Email: f[8], Note: f[9]}, row.MyKeyID, required)
	row.Person = person
	for _, e := range perrs {
		e.Line = line
		errs = append(errs, e)
	}
	return row, errs
}

var (
	birthRe = regexp.MustCompile(`^(\d{4})\s*[年/\-.]\s*(\d{1,2})\s*[月/\-.]\s*(\d{1,2})\s*日?$`)
	phoneRe = regexp.MustCompile(`^[0-9()+\-]{6,20}$`)
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// normBirth reads a date of birth (1940年1月1日, 1940/1/1, 1940-01-01, full-width digits too) as YYYY-MM-DD; ok is
// false for anything else or a day that does not exist.
func normBirth(s string) (string, bool) {
	m := birthRe.FindStringSubmatch(strings.TrimSpace(halfWidth(s)))
	if m == nil {
		return s, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d || y < 1890 || !t.Before(time.Now()) {
		return s, false
	}
	return t.Format("2006-01-02"), true
}

// checkPerson normalises and checks a participant's items (shared by the file and screen 75).
func checkPerson(p Person, mykeyID string, required []string) (Person, []RowError) {
	var errs []RowError
	if mykeyID != "" {
		if err := mkpf.ValidateMyKeyID(mykeyID); err != nil {
			errs = append(errs, RowError{Field: "マイキーID", Message: "マイキーIDは英大文字と数字の8文字です（空欄にすると、後でカードを読み取って登録できます）"})
		}
	}
	p.Phone = halfWidth(p.Phone)
	p.Email = halfWidth(p.Email)
	if p.Birth != "" {
		b, ok := normBirth(p.Birth)
		p.Birth = b
		if !ok {
			errs = append(errs, RowError{Field: FieldBirth, Message: "生年月日は「1940年1月1日」または「1940/1/1」の形で、実在する日付を入力してください"})
		}
	}
	if p.Sex != "" && !contains(Sexes, p.Sex) {
		errs = append(errs, RowError{Field: FieldSex, Message: "性別は「男性」「女性」「その他」のいずれか（または空欄）です"})
	}
	if p.Phone != "" && !phoneRe.MatchString(p.Phone) {
		errs = append(errs, RowError{Field: FieldPhone, Message: "電話番号は数字とハイフンで入力してください（例: 03-1234-5678）"})
	}
	if p.Email != "" && !emailRe.MatchString(p.Email) {
		errs = append(errs, RowError{Field: FieldEmail, Message: "メールアドレスの形式が違います（例: taro@example.jp）"})
	}
	req := append([]string{FieldName}, required...)
	for _, f := range IdentifyingFields {
		if contains(req, f) && strings.TrimSpace(p.Field(f)) == "" && !hasField(errs, f) {
			errs = append(errs, RowError{Field: f, Message: "初期設定で本人確認に使う項目です。入力してください"})
		}
	}
	return p, errs
}

func hasField(errs []RowError, f string) bool {
	for _, e := range errs {
		if e.Field == f {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// halfWidth turns full-width ASCII (an IME's digits, letters, ＠, －) into half width.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '　':
			return ' '
		case r == 'ー' || r == '−' || r == '‐':
			return '-'
		}
		return r
	}, s)
}
