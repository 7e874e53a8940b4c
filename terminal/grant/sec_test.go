package grant

// Issue 17 on the terminal side: a grant refused for a closed project is sent again and applies after the
// administrator reopened it (H1); the roster file's size, error list and encoding choice (L4).

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

func TestScreen79_GrantRefusedForAClosedProjectAppliesAfterReopen(t *testing.T) {
	env := testenv.Platform(t)
	office := FromClient(env.Enrolled(t, platform.DemoGrantOffice))
	shop := env.Enrolled(t, "00052589")
	ctx := ctx30(t)
	pr := newProject(t, env, office, "再開する事業", 1000)
	if _, _, err := env.Server.AddParticipants(pr.ID, []string{platform.DemoYamadaMyKeyID}); err != nil {
		t.Fatal(err)
	}
	phone := FromClient(env.Enrolled(t, "00053062"))
	d, err := OpenDevice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Sync(ctx, phone, pr.ID); err != nil {
		t.Fatal(err)
	}
	src := vcard.NewSource()
	src.Insert("yamada")
	if r := d.Tap(ctx, src, ""); r.Result != ResultGranted {
		t.Fatalf("tap: %+v", r)
	}
	before := municipalBalance(t, shop, "yamada")
	if err := env.Server.CloseGrantProject(pr.ID); err != nil {
		t.Fatal(err)
	}
	if rep, err := d.Upload(ctx, phone, nil); err != nil || len(rep.Refused) != 1 || rep.Refused[0].Code != mkpf.CodeProjectClosed {
		t.Fatalf("upload to the closed project: %+v %v", rep, err)
	}
	if _, err := env.Server.ReopenGrantProject(pr.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := d.Upload(ctx, phone, nil)
	if err != nil || len(rep.Accepted) != 1 || len(rep.Refused) != 0 {
		t.Fatalf("upload after reopening: %+v %v", rep, err)
	}
	if got := d.Grants(StateAccepted); len(got) != 1 || len(d.Grants(StateRefused)) != 0 {
		t.Fatalf("on the device: accepted %+v, refused %+v", got, d.Grants(StateRefused))
	}
	if got := municipalBalance(t, shop, "yamada"); got != before+50 {
		t.Fatalf("yamada %d, want %d", got, before+50)
	}
	// Final once accepted: a further upload sends nothing.
	if rep, err := d.Upload(ctx, phone, nil); err != nil || len(rep.Accepted)+len(rep.Refused) != 0 {
		t.Fatalf("third upload: %+v %v", rep, err)
	}
}

// Half-width katakana in Shift_JIS can be valid UTF-8 too (ﾅｶ = C5 B6 = Ŷ): the Japanese reading wins.
func TestScreen74_ShiftJISThatIsAlsoValidUTF8ReadsAsJapanese(t *testing.T) {
	data := sjis(t, header+"認知症サポーター養成講座,100,,ﾅｶ,1940/1/1,,,,,\r\n")
	if !bytes.Contains(data, []byte{0xC5, 0xB6}) {
		t.Fatalf("ﾅｶ is not C5 B6 in Shift_JIS: %x", data)
	}
	// Bytes valid both ways: C5 B6 is Ŷ as UTF-8, ﾅｶ as Shift_JIS; ﾅｶ ﾐｷ (C5 B6 20 D0 B7) is "Ŷ з" as UTF-8.
	for _, c := range []struct {
		in   []byte
		want string
	}{{[]byte{0xC5, 0xB6}, "ﾅｶ"}, {[]byte{0xC5, 0xB6, 0x20, 0xD0, 0xB7}, "ﾅｶ ﾐｷ"}} {
		got, err := decodeText(c.in)
		if err != nil || got != c.want {
			t.Fatalf("%x read as %q (%v), want %q", c.in, got, err, c.want)
		}
	}
	// A UTF-8 file whose bytes are also valid Shift_JIS stays UTF-8 (both Japanese: UTF-8 first).
	if got, err := decodeText([]byte("ｱｲｳ山田")); err != nil || got != "ｱｲｳ山田" {
		t.Fatalf("UTF-8 read as %q (%v)", got, err)
	}
	rows, err := ParseRoster(data, testProject, nil)
	if err != nil || len(rows) != 1 || rows[0].Name != "ﾅｶ" {
		t.Fatalf("%+v %v", rows, err)
	}
}

func TestScreen74_RosterFileSizeAndListedErrorsAreCapped(t *testing.T) {
	big := make([]byte, MaxRosterBytes+1)
	var ie *ImportError
	if _, err := ParseRoster(big, testProject, nil); !errors.As(err, &ie) || ie.Message != MsgTooBig {
		t.Fatalf("a file over 20 MB: %v", err)
	}
	var b strings.Builder
	b.WriteString(header)
	for i := range 3000 {
		fmt.Fprintf(&b, "認知症サポーター養成講座,100,,山田%d,1940/2/30,,,,,\r\n", i)
	}
	_, err := ParseRoster([]byte(b.String()), testProject, nil)
	if !errors.As(err, &ie) || len(ie.Rows) != MaxListedRowErrors || !strings.Contains(ie.Message, "誤りは3000件") {
		t.Fatalf("3,000 bad rows: %d listed, %q", len(ie.Rows), ie.Message)
	}
}
