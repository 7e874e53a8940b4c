package grant

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var testProject = mkpf.GrantProject{ID: "GP000009", Name: "認知症サポーター養成講座", PointsPerPerson: 100}

const header = "ポイント付与事業名,付与ポイント,マイキーID,名前,生年月日,住所,性別,電話番号,メールアドレス,備考\r\n"

func sjis(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestScreen74_RosterFileInUTF8ShiftJISAndWithBOMReadsTheSameRows(t *testing.T) {
	text := header +
		"認知症サポーター養成講座,100,,山田太郎,1940年1月1日,東京都千代田区A町1-1,男性,03-1234-5678,taro@xx.jp,\r\n" +
		"認知症サポーター養成講座,,MY123456,鈴木花子,1950/2/3,\"川崎市川崎区宮本町1番地,2階\",女性,０４４－２００－２１１１,hanako@example.jp,同伴者あり\r\n" +
		",,,,,,,,,\r\n"
	for name, data := range map[string][]byte{
		"utf8":     []byte(text),
		"utf8-bom": append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"sjis":     sjis(t, text),
	} {
		rows, err := ParseRoster(data, testProject, []string{FieldBirth})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) != 2 {
			t.Fatalf("%s: %d rows", name, len(rows))
		}
		a, b := rows[0], rows[1]
		if a.Line != 2 || a.Name != "山田太郎" || a.Birth != "1940-01-01" || a.Points != 100 || a.MyKeyID != "" || a.Sex != "男性" || a.Email != "taro@xx.jp" {
			t.Fatalf("%s: row 2 %+v", name, a)
		}
		if b.Line != 3 || b.MyKeyID != "MY123456" || b.Birth != "1950-02-03" || b.Address != "川崎市川崎区宮本町1番地,2階" || b.Phone != "044-200-2111" || b.Note != "同伴者あり" {
			t.Fatalf("%s: row 3 %+v", name, b)
		}
	}
}

// The template's example line is marked as one and is not imported by accident: the template as downloaded imports
// nothing (MsgEmpty), a real line below the example imports alone, and the example's values with the mark typed over
// are a valid line.
func TestScreen74_TemplatesExampleIsMarkedAndNeverImported(t *testing.T) {
	tpl := Template(testProject)
	if !strings.HasPrefix(string(tpl), "\uFEFF"+header) || !strings.Contains(string(tpl), SampleMark+"山田太郎") || !strings.Contains(string(tpl), SampleNote) {
		t.Fatalf("template %q", tpl)
	}
	_, err := ParseRoster(tpl, testProject, nil)
	var ie *ImportError
	if !errors.As(err, &ie) || ie.Message != MsgEmpty {
		t.Fatalf("the template as downloaded: %v", err)
	}
	filled := string(tpl) + "認知症サポーター養成講座,100,,佐藤花子,1952/3/4,,女性,,,\r\n" +
		"認知症サポーター養成講座,100,,(記入例)鈴木,,,,,,\r\n" // half-width parentheses: still the example
	rows, err := ParseRoster([]byte(filled), testProject, nil)
	if err != nil || len(rows) != 1 || rows[0].Name != "佐藤花子" || rows[0].Line != 3 {
		t.Fatalf("%v %+v", err, rows)
	}
	typedOver := strings.Replace(string(tpl), SampleMark, "", 1)
	rows, err = ParseRoster([]byte(typedOver), testProject, nil)
	if err != nil || len(rows) != 1 || rows[0].Name != "山田太郎" || rows[0].Birth != "1940-01-01" {
		t.Fatalf("the example without its mark: %v %+v", err, rows)
	}
}

func TestScreen74_WrongHeaderIsRefusedSayingWhatIsExpected(t *testing.T) {
	for _, data := range []string{
		"事業名,ポイント,マイキーID,名前,生年月日,住所,性別,電話番号,メールアドレス,備考\r\n認知症サポーター養成講座,100,,山田太郎,,,,,,\r\n",
		"ポイント付与事業名,付与ポイント,マイキーID,名前\r\n",
		"",
	} {
		_, err := ParseRoster([]byte(data), testProject, nil)
		var ie *ImportError
		if !errors.As(err, &ie) || !strings.Contains(ie.Message, "見出し行が違います") || !strings.Contains(ie.Message, strings.TrimSpace(header)) {
			t.Fatalf("%q: %v", data, err)
		}
	}
}

func TestScreen74_BadRowsAreAllReportedByLineAndNothingIsTaken(t *testing.T) {
	data := header +
		"認知症サポーター養成講座,100,,山田太郎,1940年1月1日,,,,,\r\n" + // 2: fine
		"別の事業,100,,佐藤一郎,1941/1/1,,,,,\r\n" + // 3: another project
		"認知症サポーター養成講座,500,,佐藤二郎,1941/1/1,,,,,\r\n" + // 4: wrong points
		"認知症サポーター養成講座,,my12,佐藤三郎,1941/2/30,,不明,abc,no-at,\r\n" + // 5: MyKey ID, date, sex, phone, mail
		"認知症サポーター養成講座,,,,1941/1/1,,,,,\r\n" + // 6: no name
		"認知症サポーター養成講座,,MY123456,田中,1941/1/1,,,,,\r\n" +
		"認知症サポーター養成講座,,MY123456,田中二,1941/1/1,,,,,\r\n" + // 8: same MyKey ID as 7
		"認知症サポーター養成講座,,,高橋\r\n" // 9: too few columns
	_, err := ParseRoster([]byte(data), testProject, []string{FieldBirth})
	var ie *ImportError
	if !errors.As(err, &ie) || !strings.Contains(ie.Message, "1件も取り込んでいません") {
		t.Fatalf("%v", err)
	}
	got := map[int][]string{}
	for _, r := range ie.Rows {
		got[r.Line] = append(got[r.Line], r.Field)
	}
	want := map[int][]string{
		3: {"ポイント付与事業名"}, 4: {"付与ポイント"},
		5: {"マイキーID", "生年月日", "性別", "電話番号", "メールアドレス"},
		6: {"名前"}, 8: {"マイキーID"}, 9: {""},
	}
	if len(got) != len(want) {
		t.Fatalf("lines %v\n%s", got, ie.Error())
	}
	for line, fields := range want {
		if strings.Join(got[line], ",") != strings.Join(fields, ",") {
			t.Fatalf("line %d: %v, want %v\n%s", line, got[line], fields, ie.Error())
		}
	}
	if !strings.Contains(ie.Error(), "8行目: マイキーID: 7行目と同じマイキーIDです") {
		t.Fatalf("%s", ie.Error())
	}
}

func TestScreen74_RequiredItemsFollowScreen72(t *testing.T) {
	data := header + "認知症サポーター養成講座,,,山田太郎,,,,,,\r\n"
	if _, err := ParseRoster([]byte(data), testProject, nil); err != nil {
		t.Fatalf("名前 only: %v", err)
	}
	_, err := ParseRoster([]byte(data), testProject, []string{FieldBirth, FieldPhone})
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 2 || ie.Rows[0].Field != FieldBirth || ie.Rows[1].Field != FieldPhone {
		t.Fatalf("%v", err)
	}
}

func TestScreen74_UndecodableFileIsRefusedWithWhatToDo(t *testing.T) {
	_, err := ParseRoster([]byte{0xEF, 0xBB, 0xBF, 0xFF, 0xFE, 0x81}, testProject, nil)
	if err == nil || !strings.Contains(err.Error(), "文字コード") {
		t.Fatalf("%v", err)
	}
	_, err = ParseRoster([]byte{0x82, 0xA0, 0x80, 0xFF, 0xFF}, testProject, nil)
	if err == nil || !strings.Contains(err.Error(), "文字コード") {
		t.Fatalf("%v", err)
	}
}

func FuzzParseRoster(f *testing.F) {
	f.Add([]byte(header + "認知症サポーター養成講座,100,,山田太郎,1940年1月1日,,,,,\r\n"))
	f.Add(sjisF(header))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseRoster(data, testProject, []string{FieldBirth})
		if (err == nil) == (len(rows) == 0) {
			t.Fatalf("rows %d err %v", len(rows), err)
		}
	})
}

func sjisF(s string) []byte { b, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s)); return b }

// The template is a CSV the project writes: a project name that a spreadsheet would run as a formula is made inert,
// and the file filled in from that template still imports.
func TestTemplate_FormulaLikeProjectNameIsInertAndStillImports(t *testing.T) {
	p := mkpf.GrantProject{ID: "GP000009", Name: "=HYPERLINK(\"http://x\")", PointsPerPerson: 100}
	tpl := string(Template(p))
	if !strings.Contains(tpl, "'=HYPERLINK") {
		t.Fatalf("template cell not inert:\n%s", tpl)
	}
	rows, err := ParseRoster([]byte(strings.Replace(tpl, SampleMark, "", 1)), p, DefaultFields) // the example typed over
	if err != nil || len(rows) != 1 || rows[0].ProjectName != "'"+p.Name {
		t.Fatalf("the template's example row, its mark typed over: %v %+v", err, rows)
	}
}
