package grant

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

func ctx30(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newProject registers a grant project of the demo municipality (50 points of its municipal program).
func newProject(t *testing.T, env *testenv.PlatformEnv, p Platform, name string, budget int64) mkpf.GrantProject {
	t.Helper()
	id, err := env.Server.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: name, Department: "健康福祉局",
		PointsPerPerson: 50, ProgramID: platform.DemoProgramMunicipal, Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := FindProject(ctx30(t), p, id)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// municipalBalance is the patron's balance of the demo municipal program, asked by the point-use terminal.
func municipalBalance(t *testing.T, shop *platformclient.Client, profile string) int64 {
	t.Helper()
	pr, _ := demopki.Get(profile)
	res, err := shop.Balances(ctx30(t), mkpf.PatronRef{AuthCert: pr.AuthCertDER})
	if err != nil {
		t.Fatalf("balances: %v", err)
	}
	for _, b := range res.Balances {
		if b.ProgramID == platform.DemoProgramMunicipal {
			return b.Points
		}
	}
	t.Fatalf("no municipal balance in %+v", res.Balances)
	return 0
}

// The office and the phone on the real platform over loopback HTTP, cards from the in-process virtual source (the
// pcscd path is the CLI's §V test).
func TestScreens74to79_OfficeRosterThenPhoneTapsOfflineAndUploadOnce(t *testing.T) {
	env := testenv.Platform(t)
	office := FromClient(env.Enrolled(t, platform.DemoGrantOffice))
	shop := env.Enrolled(t, "00052589")
	ctx := ctx30(t)
	pr := newProject(t, env, office, "健康づくり教室", 1000)

	o, err := OpenOffice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	file := header + "健康づくり教室,50,,山田太郎,1940年1月1日,川崎市川崎区1-1,男性,044-000-0001,,\r\n" +
		"健康づくり教室,,,佐藤花子,1952/3/4,川崎市幸区2-2,女性,,,\r\n"
	res, err := o.Import(ctx, office, pr, sjis(t, file))
	if err != nil || res.Added != 2 || res.WithMyKeyID != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	// The same file with one bad row: nothing more is written.
	if _, err := o.Import(ctx, office, pr, []byte(file+"健康づくり教室,,,高橋,1952/13/1,,,,,\r\n")); err == nil || !strings.Contains(err.Error(), "4行目: 生年月日") {
		t.Fatalf("bad row: %v", err)
	}
	if n := len(o.Search(Query{ProjectID: pr.ID})); n != 2 {
		t.Fatalf("roster has %d after a refused import", n)
	}
	found := o.Search(Query{ProjectID: pr.ID, Person: Person{Name: "山田", Birth: "1940年1月1日"}})
	if len(found) != 1 || found[0].MyKeyID != "" {
		t.Fatalf("search: %+v", found)
	}

	// 76 [登録・読取] with yamada's card.
	src := vcard.NewSource()
	src.Insert("yamada")
	x, err := o.RegisterCard(ctx, office, src, "", found[0].ID)
	if err != nil || x.MyKeyID != platform.DemoYamadaMyKeyID || x.CardRegistered.IsZero() {
		t.Fatalf("register card: %+v %v", x, err)
	}
	if _, err := o.RegisterCard(ctx, office, src, "", found[0].ID); !errors.Is(err, ErrHasMyKeyID) {
		t.Fatalf("second registration: %v", err)
	}
	if got := o.Search(Query{MyKeyID: "my1234"}); len(got) != 1 || got[0].Person.Name != "山田太郎" {
		t.Fatalf("search by MyKey ID: %+v", got)
	}

	// 78 sync on the phone, 79 taps offline (the phone's client is not used by Tap).
	phone := FromClient(env.Enrolled(t, "00053062"))
	dir := t.TempDir()
	d, err := OpenDevice(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := d.Tap(ctx, src, "")
	if r.Result != "not_synced" {
		t.Fatalf("tap before sync: %+v", r)
	}
	s, err := d.Sync(ctx, phone, pr.ID)
	if err != nil || len(s.Entries) == 0 {
		t.Fatalf("sync: %+v %v", s, err)
	}
	yamada, _ := demopki.Get("yamada")
	if strings.Contains(string(mustJSON(t, s)), yamada.Serial) || strings.Contains(string(mustJSON(t, s)), platform.DemoYamadaMyKeyID) {
		t.Fatal("the sync carries a certificate serial or a MyKey ID")
	}
	before := municipalBalance(t, shop, "yamada")
	if r = d.Tap(ctx, src, ""); r.Result != ResultGranted || r.Message != MsgGranted || r.Pending != 1 || r.Points != 50 || len(r.GrantID) != 32 {
		t.Fatalf("first tap: %+v", r)
	}
	if r = d.Tap(ctx, src, ""); r.Result != ResultAlreadyGranted || r.Message != MsgAlreadyGranted || r.Pending != 1 {
		t.Fatalf("second tap: %+v", r)
	}
	src.Remove()
	src.Insert("suzuki")
	if r = d.Tap(ctx, src, ""); r.Result != ResultNotOnRoster || r.Message != MsgNotOnRoster || r.Pending != 1 {
		t.Fatalf("suzuki: %+v", r)
	}
	src.Remove()
	if r = d.Tap(ctx, src, ""); r.Result != "card_no_card" || !strings.Contains(r.Message, "カードが置かれていません") {
		t.Fatalf("no card: %+v", r)
	}
	if _, err := d.Sync(ctx, phone, pr.ID); !errors.Is(err, ErrPendingOther) {
		t.Fatalf("re-sync with grants pending: %v", err)
	}
	// The store survives a restart: the grant is still pending and yamada is still refused.
	d.Close()
	if d, err = OpenDevice(dir); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	src.Insert("yamada")
	if r = d.Tap(ctx, src, ""); r.Result != ResultAlreadyGranted || d.Pending() != 1 {
		t.Fatalf("after reopen: %+v pending %d", r, d.Pending())
	}
	if got := municipalBalance(t, shop, "yamada"); got != before {
		t.Fatalf("balance moved before the upload: %d → %d", before, got)
	}

	// Upload with progress; then the same items again (an answer lost) apply nothing.
	var steps []string
	rep, err := d.Upload(ctx, phone, func(done, total int) { steps = append(steps, strings.Repeat("#", done)+"/"+strings.Repeat("#", total)) })
	if err != nil || len(rep.Accepted) != 1 || len(rep.Refused) != 0 || rep.Pending != 0 || rep.Accepted[0].Points != 50 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	if strings.Join(steps, " ") != "/# #/#" {
		t.Fatalf("progress %v", steps)
	}
	if got := municipalBalance(t, shop, "yamada"); got != before+50 {
		t.Fatalf("balance %d, want %d", got, before+50)
	}
	item := d.Grants(StateAccepted)[0].GrantUploadItem
	again, err := phone.UploadGrants(ctx, mkpf.GrantUploadRequest{Grants: []mkpf.GrantUploadItem{item}})
	if err != nil || len(again.Accepted) != 1 || again.Accepted[0].TxnID != rep.Accepted[0].TxnID {
		t.Fatalf("the same upload again: %+v %v", again, err)
	}
	if rep, err = d.Upload(ctx, phone, nil); err != nil || len(rep.Accepted) != 0 {
		t.Fatalf("nothing left to upload: %+v %v", rep, err)
	}
	if got := municipalBalance(t, shop, "yamada"); got != before+50 {
		t.Fatalf("balance %d after the repeated upload, want %d", got, before+50)
	}
	// A grant of another person's hash under a new GrantID is refused at the platform too.
	dup := item
	dup.GrantID = newID()
	yp, _ := demopki.Get("yamada") // with the card's certificate sealed for the new GrantID (the seal binds the item)
	if dup.Card, err = mkpf.SealTapCert(d.cur.sync.SealKey, dup, yp.AuthCertDER); err != nil {
		t.Fatal(err)
	}
	if res, err := phone.UploadGrants(ctx, mkpf.GrantUploadRequest{Grants: []mkpf.GrantUploadItem{dup}}); err != nil || len(res.Refused) != 1 || res.Refused[0].Code != mkpf.CodeAlreadyGranted {
		t.Fatalf("same person, new GrantID: %+v %v", res, err)
	}
}

func TestScreens75and76_AddByHandAndGrantWithoutCardOnce(t *testing.T) {
	env := testenv.Platform(t)
	office := FromClient(env.Enrolled(t, platform.DemoGrantOffice))
	shop := env.Enrolled(t, "00052589")
	ctx := ctx30(t)
	pr := newProject(t, env, office, "介護予防教室", 1000)
	o, err := OpenOffice(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.SetFields([]string{FieldBirth, FieldPhone}); err != nil {
		t.Fatal(err)
	}
	if err := o.SetFields([]string{"マイナンバー"}); err == nil {
		t.Fatal("an unknown item was accepted on screen 72")
	}
	// 75 with the phone missing (screen 72 requires it): refused by field.
	_, err = o.Add(ctx, office, pr, "KEY34567", Person{Name: "鈴木一郎", Birth: "1960/5/6"})
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Field != FieldPhone {
		t.Fatalf("missing phone: %v", err)
	}
	x, err := o.Add(ctx, office, pr, "ＫＥＹ３４５６７", Person{Name: "鈴木一郎", Birth: "1960/5/6", Phone: "044-000-0002"})
	if err != nil || x.MyKeyID != platform.DemoSuzukiMyKeyID {
		t.Fatalf("add: %+v %v", x, err)
	}
	if _, err := o.Add(ctx, office, pr, "KEY34567", Person{Name: "鈴木一郎", Birth: "1960/5/6", Phone: "044-000-0002"}); err == nil {
		t.Fatal("the same MyKey ID was added twice")
	}
	before := municipalBalance(t, shop, "suzuki")
	a, err := o.GrantWithoutCard(ctx, office, x.ID)
	if err != nil || a.Points != 50 {
		t.Fatalf("without card: %+v %v", a, err)
	}
	// Asked again (the answer was lost, say): the same GrantID, nothing more applied.
	b, err := o.GrantWithoutCard(ctx, office, x.ID)
	if err != nil || b.TxnID != a.TxnID {
		t.Fatalf("again: %+v %v", b, err)
	}
	if got := municipalBalance(t, shop, "suzuki"); got != before+50 {
		t.Fatalf("balance %d, want %d", got, before+50)
	}
	p, _ := o.Participant(x.ID)
	if p.WithoutCardAt.IsZero() || p.WithoutCardTxn != a.TxnID {
		t.Fatalf("not recorded: %+v", p)
	}
}

// The device's hash and the platform's are one function of the key and the serial.
func TestHashIsThePlatformsSyncHash(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, sn := range []string{"1", "ABCDEF0123", "abcdef0123", "7FFFFFFFFFFFFFFFFFFF"} {
		if Hash(key, sn) != platform.SyncHash(key, sn) {
			t.Fatalf("serial %s: device %s, platform %s", sn, Hash(key, sn), platform.SyncHash(key, sn))
		}
	}
	if Hash(key, "1") == Hash([]byte("another key of thirty-two bytes!"), "1") {
		t.Fatal("the key does not change the hash")
	}
}

// A grant refused at upload (the project was closed meanwhile) is listed with the platform's reason and is no longer
// pending; nothing is applied.
func TestScreen79_RefusedAtUploadIsListedWithTheReason(t *testing.T) {
	env := testenv.Platform(t)
	office := FromClient(env.Enrolled(t, platform.DemoGrantOffice))
	shop := env.Enrolled(t, "00052589")
	ctx := ctx30(t)
	pr := newProject(t, env, office, "閉じる事業", 1000)
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
	rep, err := d.Upload(ctx, phone, nil)
	if err != nil || len(rep.Accepted) != 0 || len(rep.Refused) != 1 || rep.Refused[0].Code != mkpf.CodeProjectClosed || rep.Pending != 0 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	refused := d.Grants(StateRefused)
	if len(refused) != 1 || refused[0].Code != mkpf.CodeProjectClosed || refused[0].Message == "" || d.Pending() != 0 {
		t.Fatalf("refused on the device: %+v pending %d", refused, d.Pending())
	}
	if got := municipalBalance(t, shop, "yamada"); got != before {
		t.Fatalf("balance moved: %d → %d", before, got)
	}
}
