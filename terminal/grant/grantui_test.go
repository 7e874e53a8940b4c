package grant

import (
	"errors"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

// Screen 78's 「名簿 N人」 counts people: yamada's renewed card gives him two entries in the sync, one person.
func TestScreen78_DeviceCountsPeopleNotCardEntries(t *testing.T) {
	env := testenv.Platform(t)
	office := FromClient(env.Enrolled(t, platform.DemoGrantOffice))
	ctx := ctx30(t)
	pr := newProject(t, env, office, "人数の事業", 1000)
	o, err := OpenOffice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if _, err := o.Add(ctx, office, pr, platform.DemoYamadaMyKeyID, Person{Name: "山田太郎", Birth: "1940年1月1日"}); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDevice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := d.Sync(ctx, FromClient(env.Enrolled(t, "00053062")), pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) < 2 {
		t.Fatalf("the sync has %d entries; the renewed card's second one is missing, the test proves nothing", len(s.Entries))
	}
	if _, _, n, ok := d.Project(); !ok || n != 1 {
		t.Fatalf("名簿 %d人, want 1 (entries %d)", n, len(s.Entries))
	}
}

// Screen 76 registers the MyKey ID a participant declares at the counter (§V(5)), once, on both rosters; a malformed
// ID is refused at its field, another entry's ID and a second registration are refused.
func TestScreen76_RegistersADeclaredMyKeyID(t *testing.T) {
	env := testenv.Platform(t)
	office := FromClient(env.Enrolled(t, platform.DemoGrantOffice))
	ctx := ctx30(t)
	pr := newProject(t, env, office, "申告の事業", 1000)
	o, err := OpenOffice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	a, err := o.Add(ctx, office, pr, "", Person{Name: "鈴木一郎", Birth: "1960年4月1日"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.Add(ctx, office, pr, "", Person{Name: "鈴木次郎", Birth: "1962年5月1日"})
	if err != nil {
		t.Fatal(err)
	}
	var ie *ImportError
	if _, err := o.RegisterMyKeyID(ctx, office, a.ID, "ABC"); !errors.As(err, &ie) || ie.Rows[0].Field != "マイキーID" {
		t.Fatalf("malformed ID: %v", err)
	}
	// Declared with full-width characters from an IME, lower case: the same ID.
	x, err := o.RegisterMyKeyID(ctx, office, a.ID, strings.ToLower(toFullWidth(platform.DemoSuzukiMyKeyID)))
	if err != nil || x.MyKeyID != platform.DemoSuzukiMyKeyID {
		t.Fatalf("register: %+v %v", x, err)
	}
	if got, _ := o.Participant(a.ID); got.MyKeyID != platform.DemoSuzukiMyKeyID {
		t.Fatalf("the office roster has %+v", got)
	}
	list, err := office.GrantProjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Projects {
		if p.ID == pr.ID && p.Participants != 1 {
			t.Fatalf("the platform's roster has %d, want 1", p.Participants)
		}
	}
	if _, err := o.RegisterMyKeyID(ctx, office, a.ID, platform.DemoSuzukiMyKeyID); !errors.Is(err, ErrHasMyKeyID) {
		t.Fatalf("second registration: %v", err)
	}
	if _, err := o.RegisterMyKeyID(ctx, office, b.ID, platform.DemoSuzukiMyKeyID); !errors.Is(err, ErrAlreadyOnList) {
		t.Fatalf("another entry's ID: %v", err)
	}
	if got, _ := o.Participant(b.ID); got.MyKeyID != "" {
		t.Fatalf("refused, yet written: %+v", got)
	}
}

// Screen 64's hint says what the number fields accept, and they accept what it says: full-width digits and commas.
func TestScreen64_HintAndFullWidthDigitsAgree(t *testing.T) {
	if strings.Contains(CountHint, "半角数字で") || !strings.Contains(CountHint, "全角") {
		t.Fatalf("the hint asks for half-width digits, but full-width ones are accepted: %q", CountHint)
	}
	req, errs := CheckProject(ProjectInput{ProgramID: "P", Name: "事業", Department: "課", Points: "３００", Budget: "３０，０００"})
	if len(errs) != 0 || req.PointsPerPerson != 300 || req.Budget != 30000 {
		t.Fatalf("%+v %v", req, errs)
	}
	_, errs = CheckProject(ProjectInput{ProgramID: "P", Name: "事業", Department: "課", Points: "三百", Budget: "1000"})
	if m := errs["points_per_person"]; !strings.Contains(m, CountHint) {
		t.Fatalf("the error does not repeat the hint: %q", m)
	}
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r - '!' + '！'
		}
		return r
	}, s)
}
