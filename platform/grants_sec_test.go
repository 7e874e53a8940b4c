package platform_test

// Issue 17's grant findings, each through real HTTP on loopback (H1, M1, M2, M3, L2): every test here fails on b1bebf1.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// thiefOf opens a copy of an enrolled terminal's state folder in another client: the device key, no password.
func thiefOf(t *testing.T, c *platformclient.Client) *platformclient.Client {
	t.Helper()
	dir := c.DataDir()
	c.Close()
	th, err := platformclient.Open(dir, platformclient.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { th.Close() })
	return th
}

// H1: a copied grant-office or grant-phone state folder without the password can neither list, create, add to a
// roster, grant, close, sync nor upload; after the screen-71/77 login it can.
func TestSecurity_GrantRoutesNeedTheScreen2Session(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	shop := w.terminal("00052589")
	before := balanceOf(t, shop, cardOf(t, "yamada"), platform.DemoProgramMunicipal)
	office := thiefOf(t, w.grantTerminal(platform.DemoGrantOffice))
	phone := thiefOf(t, w.grantTerminal("00053062"))

	_, err := office.GrantProjects(c)
	wantCode(t, err, mkpf.CodePointsLoginRequired)
	_, err = office.CreateGrantProject(c, mkpf.GrantProjectRequest{Name: "不正な事業", Department: "x", PointsPerPerson: 1_000_000,
		ProgramID: platform.DemoProgramMunicipal, Budget: 1_000_000}, "")
	wantCode(t, err, mkpf.CodePointsLoginRequired)
	_, err = office.AddParticipants(c, platform.DemoGrantProject, mkpf.ParticipantsRequest{MyKeyIDs: []string{platform.DemoSuzukiMyKeyID}})
	wantCode(t, err, mkpf.CodePointsLoginRequired)
	_, err = office.GrantWithoutCard(c, platform.DemoGrantProject, platformclient.NewGrantID(), platform.DemoYamadaMyKeyID)
	wantCode(t, err, mkpf.CodePointsLoginRequired)
	_, err = office.CloseGrantProject(c, platform.DemoGrantProject)
	wantCode(t, err, mkpf.CodePointsLoginRequired)
	_, err = phone.SyncGrantRoster(c, platform.DemoGrantProject)
	wantCode(t, err, mkpf.CodePointsLoginRequired)
	_, err = phone.UploadGrants(c, []mkpf.GrantUploadItem{{GrantID: platformclient.NewGrantID(), ProjectID: platform.DemoGrantProject}})
	wantCode(t, err, mkpf.CodePointsLoginRequired)

	if got := balanceOf(t, shop, cardOf(t, "yamada"), platform.DemoProgramMunicipal); got != before {
		t.Fatalf("yamada %d → %d without any login", before, got)
	}
	ps, _ := w.srv.GrantProjects(platform.DemoMunicipality)
	if len(ps) != 1 || ps[0].Closed || ps[0].Participants != 1 {
		t.Fatalf("projects changed without any login: %+v", ps)
	}
	if _, err := office.Login(c, platform.DemoGrantOffice, "wrong-pass"); codeOf(err) != mkpf.CodeBadCredentials {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := office.Login(c, platform.DemoGrantOffice, platform.DemoGrantOfficePass); err != nil {
		t.Fatal(err)
	}
	if _, err := office.GrantProjects(c); err != nil {
		t.Fatalf("after the screen-71 login: %v", err)
	}
	dt, _ := platform.DemoTerminalByID("00053062")
	if _, err := phone.Login(c, "00053062", dt.Password); err != nil {
		t.Fatal(err)
	}
	if _, err := phone.SyncGrantRoster(c, platform.DemoGrantProject); err != nil {
		t.Fatalf("after the screen-77 login: %v", err)
	}
	// A new password ends the session.
	if err := w.srv.SetTerminalPassword(platform.DemoGrantOffice, "n3wpass99"); err != nil {
		t.Fatal(err)
	}
	_, err = office.GrantProjects(c)
	wantCode(t, err, mkpf.CodePointsLoginRequired)
}

// H1: an office's project is a request (its points per person and budget apply only once the administrator approved
// it): no sync and no grant before; a grant refused as pending is not final and applies after the approval.
func TestGrants_OfficeProjectAppliesOnlyAfterTheAdministratorsApproval(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	office := w.grantTerminal(platform.DemoGrantOffice)
	phone := w.grantTerminal("00053062")
	shop := w.terminal("00052589")
	before := balanceOf(t, shop, cardOf(t, "suzuki"), platform.DemoProgramMunicipal)
	p, err := office.CreateGrantProject(c, mkpf.GrantProjectRequest{Name: "百万ポイント事業", Department: "総務局", PointsPerPerson: 1_000_000,
		ProgramID: platform.DemoProgramMunicipal, Budget: 4_000_000}, "")
	if err != nil || !p.Pending {
		t.Fatalf("an office's project must await approval: %+v %v", p, err)
	}
	if _, err := office.AddParticipants(c, p.ID, mkpf.ParticipantsRequest{MyKeyIDs: []string{platform.DemoSuzukiMyKeyID}}); err != nil {
		t.Fatalf("the roster may be prepared before the approval: %v", err)
	}
	_, err = phone.SyncGrantRoster(c, p.ID)
	wantCode(t, err, mkpf.CodeProjectPending)
	gid := platformclient.NewGrantID()
	res, err := office.GrantWithoutCard(c, p.ID, gid, platform.DemoSuzukiMyKeyID)
	if err != nil || codes(res)[gid] != mkpf.CodeProjectPending {
		t.Fatalf("grant before the approval: %+v %v", res, err)
	}
	if got := balanceOf(t, shop, cardOf(t, "suzuki"), platform.DemoProgramMunicipal); got != before {
		t.Fatalf("suzuki %d → %d before the approval", before, got)
	}
	ap, err := w.srv.ApproveGrantProject(p.ID)
	if err != nil || ap.Pending || ap.PointsPerPerson != 1_000_000 {
		t.Fatalf("approve: %+v %v", ap, err)
	}
	res, err = office.GrantWithoutCard(c, p.ID, gid, platform.DemoSuzukiMyKeyID) // the same GrantID again
	if err != nil || codes(res)[gid] != "accepted" {
		t.Fatalf("the same grant after the approval: %+v %v", res, err)
	}
	if _, err := phone.SyncGrantRoster(c, p.ID); err != nil {
		t.Fatalf("sync after the approval: %v", err)
	}
	if got := balanceOf(t, shop, cardOf(t, "suzuki"), platform.DemoProgramMunicipal); got != before+1_000_000 {
		t.Fatalf("suzuki %d, want %d", got, before+1_000_000)
	}
	auditOK(t, w.srv)
}

// H1: closing is not for good: `admin grant-project reopen`, and the phone's upload refused as project_closed is not
// stored as its final answer (the same items sent again apply).
func TestGrants_ClosedRefusalIsNotFinalAndAppliesAfterReopen(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	phone := w.grantTerminal("00053062")
	sync, err := phone.SyncGrantRoster(c, platform.DemoGrantProject)
	if err != nil {
		t.Fatal(err)
	}
	g := tap(sync, profile(t, "yamada").Serial)
	if _, err := w.grantTerminal(platform.DemoGrantOffice).CloseGrantProject(c, platform.DemoGrantProject); err != nil {
		t.Fatal(err)
	}
	res, err := phone.UploadGrants(c, []mkpf.GrantUploadItem{g})
	if err != nil || codes(res)[g.GrantID] != mkpf.CodeProjectClosed {
		t.Fatalf("closed: %+v %v", res, err)
	}
	if p, err := w.srv.ReopenGrantProject(platform.DemoGrantProject); err != nil || p.Closed {
		t.Fatalf("reopen: %+v %v", p, err)
	}
	res, err = phone.UploadGrants(c, []mkpf.GrantUploadItem{g})
	if err != nil || codes(res)[g.GrantID] != "accepted" || res.Accepted[0].Points != platform.DemoGrantPoints {
		t.Fatalf("the same upload after reopening: %+v %v", res, err)
	}
	auditOK(t, w.srv)
}

// H1: a MyKey ID receives at most the administrator's cap of grants per JST month across projects (counted in the
// store); a grant over it is refused as grant_limit, not finally: the same grant applies next month.
func TestGrants_CapOfGrantsPerMyKeyIDPerMonthAcrossProjects(t *testing.T) {
	eachStore(t, testCapOfGrantsPerMyKeyIDPerMonthAcrossProjects)
}

func testCapOfGrantsPerMyKeyIDPerMonthAcrossProjects(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	if n, _, err := w.srv.GrantCap(); err != nil || n != platform.DefaultGrantCapPerMonth {
		t.Fatalf("default cap %d (%v)", n, err)
	}
	if err := w.srv.SetGrantCap(2); err != nil {
		t.Fatal(err)
	}
	// At the start of a JST month, so that "next month" is 32 days on.
	now := w.clk.Now().In(time.FixedZone("JST", 9*3600))
	w.clk.Add(time.Date(now.Year(), now.Month()+1, 1, 10, 0, 0, 0, now.Location()).Sub(now))
	office := w.grantTerminal(platform.DemoGrantOffice)
	var gids []string
	var projects []string
	for i := range 3 {
		id, err := w.srv.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: fmt.Sprintf("事業%d", i+1), PointsPerPerson: 10,
			ProgramID: platform.DemoProgramMunicipal, Budget: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.srv.AddParticipants(id, []string{platform.DemoYamadaMyKeyID}); err != nil {
			t.Fatal(err)
		}
		gid := platformclient.NewGrantID()
		res, err := office.GrantWithoutCard(c, id, gid, platform.DemoYamadaMyKeyID)
		if err != nil {
			t.Fatal(err)
		}
		want := "accepted"
		if i == 2 {
			want = mkpf.CodeGrantLimit
		}
		if got := codes(res)[gid]; got != want {
			t.Fatalf("grant %d this month: %s, want %s", i+1, got, want)
		}
		gids, projects = append(gids, gid), append(projects, id)
	}
	w.clk.Add(32 * 24 * time.Hour)
	res, err := office.GrantWithoutCard(c, projects[2], gids[2], platform.DemoYamadaMyKeyID)
	if err != nil || codes(res)[gids[2]] != "accepted" {
		t.Fatalf("the refused grant next month: %+v %v", res, err)
	}
	auditOK(t, w.srv)
}

// M2: upload answers are stored compactly (a code, no message), random items leave nothing, the records go with
// their sync, and a phone's new items per JST day are capped (the rest refused as upload_limit, not finally).
func TestGrants_UploadRecordsCompactPrunedAndCappedPerDay(t *testing.T) {
	eachStore(t, testUploadRecordsCompactPrunedAndCappedPerDay)
}

func testUploadRecordsCompactPrunedAndCappedPerDay(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	phone := w.grantTerminal("00053062")
	sync, err := phone.SyncGrantRoster(c, platform.DemoGrantProject)
	if err != nil {
		t.Fatal(err)
	}
	ok, notOn := tap(sync, profile(t, "yamada").Serial), tap(sync, profile(t, "suzuki").Serial)
	res, err := phone.UploadGrants(c, []mkpf.GrantUploadItem{ok, notOn})
	if err != nil || codes(res)[ok.GrantID] != "accepted" || codes(res)[notOn.GrantID] != mkpf.CodeNotOnRoster {
		t.Fatalf("upload: %+v %v", res, err)
	}
	recs := platform.GrantUploadRecords(w.srv)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %v", len(recs), recs)
	}
	for _, r := range recs {
		if strings.Contains(r, "message") || strings.Contains(r, "名簿") {
			t.Fatalf("a refusal stored with its message: %s", r)
		}
	}
	// The answers again, from the compact records, with the messages of the table.
	res, err = phone.UploadGrants(c, []mkpf.GrantUploadItem{ok, notOn})
	if err != nil || codes(res)[ok.GrantID] != "accepted" || codes(res)[notOn.GrantID] != mkpf.CodeNotOnRoster {
		t.Fatalf("upload again: %+v %v", res, err)
	}
	// Random items (no sync of this phone): refused, nothing stored; they count against the day's items.
	random := func(n int) []mkpf.GrantUploadItem {
		items := make([]mkpf.GrantUploadItem, n)
		for i := range items {
			items[i] = mkpf.GrantUploadItem{GrantID: platformclient.NewGrantID(), ProjectID: platform.DemoGrantProject,
				SyncID: fmt.Sprintf("%032x", i), Hash: fmt.Sprintf("%064x", i), At: time.Now()}
		}
		return items
	}
	left := platform.GrantUploadItemsPerDay - 2
	for left > 0 {
		n := min(left, 5_000) // the answer of 5,000 refusals stays under the client's 4 MB
		res, err := phone.UploadGrants(c, random(n))
		if err != nil {
			t.Fatalf("random items: %v", err)
		}
		if len(res.Refused) != n || res.Refused[0].Code != mkpf.CodeSyncUnknown {
			t.Fatalf("random items: %d refused (%+v)", len(res.Refused), res.Refused[0])
		}
		left -= n
	}
	if n := len(platform.GrantUploadRecords(w.srv)); n != 2 {
		t.Fatalf("random items left %d records", n-2)
	}
	late := tap(sync, profile(t, "yamada").Serial)
	res, err = phone.UploadGrants(c, []mkpf.GrantUploadItem{late, ok})
	if err != nil || codes(res)[late.GrantID] != mkpf.CodeUploadLimit || codes(res)[ok.GrantID] != "accepted" {
		t.Fatalf("over the day's items (an answered item is still answered): %+v %v", res, err)
	}
	w.clk.Add(24 * time.Hour)
	res, err = phone.UploadGrants(c, []mkpf.GrantUploadItem{late})
	if err != nil || codes(res)[late.GrantID] != mkpf.CodeAlreadyGranted {
		t.Fatalf("the next day: %+v %v", res, err)
	}
	// Pruned with the sync.
	w.clk.Add(platform.GrantSyncKeep)
	if n, err := w.srv.PruneGrantSyncs(); err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if recs := platform.GrantUploadRecords(w.srv); len(recs) != 0 {
		t.Fatalf("upload records left after their sync was pruned: %v", recs)
	}
	auditOK(t, w.srv)
}

// M3: project name, department and note refuse control and bidi characters (so no header or line can be injected
// into the grant e-mail), the name refuses URLs and domain names, on the office's route and the admin's; a holder
// gets at most GrantNoticesPerDay grant e-mails per JST day.
func TestGrants_ProjectTextIsCheckedAndNoticesPerDayAreLimited(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	office := w.grantTerminal(platform.DemoGrantOffice)
	good := mkpf.GrantProjectRequest{Name: "健康づくり教室", Department: "健康福祉局", Note: "修了者", PointsPerPerson: 10,
		ProgramID: platform.DemoProgramMunicipal, Budget: 1000}
	for _, bad := range []struct {
		field string
		edit  func(r *mkpf.GrantProjectRequest)
	}{
		{"name", func(r *mkpf.GrantProjectRequest) { r.Name = "講座\r\nBcc: victim@example.jp" }},
		{"name", func(r *mkpf.GrantProjectRequest) { r.Name = "講座\a" }},
		{"name", func(r *mkpf.GrantProjectRequest) { r.Name = "講座\u202egpj.exe" }},
		{"name", func(r *mkpf.GrantProjectRequest) { r.Name = "ポイント受取はこちら http://evil.example/" }},
		{"name", func(r *mkpf.GrantProjectRequest) { r.Name = "詳しくは ｗｗｗ．ｅｖｉｌ．ｊｐ へ" }},
		{"name", func(r *mkpf.GrantProjectRequest) { r.Name = "詳しくは evil-site.jp へ" }},
		{"department", func(r *mkpf.GrantProjectRequest) { r.Department = "総務局\n" + "至急" }},
		{"note", func(r *mkpf.GrantProjectRequest) { r.Note = "備考\u2066x" }},
	} {
		r := good
		bad.edit(&r)
		_, err := office.CreateGrantProject(c, r, "")
		wantCode(t, err, mkpf.CodeValidation)
		if fieldsOf(apiErr(t, err))[bad.field] == "" {
			t.Errorf("%q: no message for %s: %v", r.Name+r.Department+r.Note, bad.field, err)
		}
		if _, err := w.srv.AddGrantProject(platform.DemoMunicipality, r); err == nil {
			t.Errorf("the admin command took %q", r.Name+r.Department+r.Note)
		}
	}
	if _, err := office.CreateGrantProject(c, good, ""); err != nil {
		t.Fatalf("a plain name: %v", err)
	}
	// Notices: five grants to yamada today, GrantNoticesPerDay e-mails.
	queued, _ := w.srv.PendingNotices()
	for i := range 5 {
		id, err := w.srv.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: fmt.Sprintf("講座%d", i), PointsPerPerson: 1,
			ProgramID: platform.DemoProgramMunicipal, Budget: 10})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.srv.AddParticipants(id, []string{platform.DemoYamadaMyKeyID}); err != nil {
			t.Fatal(err)
		}
		gid := platformclient.NewGrantID()
		if res, err := office.GrantWithoutCard(c, id, gid, platform.DemoYamadaMyKeyID); err != nil || codes(res)[gid] != "accepted" {
			t.Fatalf("grant %d: %+v %v", i, res, err)
		}
	}
	if n, _ := w.srv.PendingNotices(); n-queued != platform.GrantNoticesPerDay {
		t.Fatalf("%d notices queued for five grants in a day, want %d", n-queued, platform.GrantNoticesPerDay)
	}
}

// L2: 20,000 unknown MyKey IDs: at most 100 listed (the message counts them all), and the unknown IDs count against
// the terminal like voucher-number guesses: the next call is throttled.
func TestGrants_ParticipantsListAtMost100ErrorsAndUnknownIDsAreThrottled(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	office := w.grantTerminal(platform.DemoGrantOffice)
	ids := make([]string, 20_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("Z%07d", i)
	}
	_, err := office.AddParticipants(c, platform.DemoGrantProject, mkpf.ParticipantsRequest{MyKeyIDs: ids})
	ae := apiErr(t, err)
	if ae.Code != mkpf.CodeValidation || len(ae.Fields) != 100 || !strings.Contains(ae.Message, "ほか19999件") {
		t.Fatalf("20,000 unknown IDs: %s, %d fields, %q", ae.Code, len(ae.Fields), ae.Message)
	}
	_, err = office.AddParticipants(c, platform.DemoGrantProject, mkpf.ParticipantsRequest{MyKeyIDs: []string{platform.DemoSuzukiMyKeyID}})
	wantCode(t, err, mkpf.CodeThrottled)
	w.clk.Add(platform.VoucherLookupWindow)
	if _, err := office.AddParticipants(c, platform.DemoGrantProject, mkpf.ParticipantsRequest{MyKeyIDs: []string{platform.DemoSuzukiMyKeyID}}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// M1: a phone holding a sync has every participant's hash, not their certificates: an upload item must carry the
// certificate read at the tap, sealed to the platform, of the card whose hash it names, chaining to a JPKI root.
func TestGrants_TapNeedsTheSealedCertificateOfThatCard(t *testing.T) {
	w := newPointsWorld(t)
	c := context.Background()
	if _, _, err := w.srv.AddParticipants(platform.DemoGrantProject, []string{platform.DemoSuzukiMyKeyID}); err != nil {
		t.Fatal(err)
	}
	phone := w.grantTerminal("00053062")
	sync, err := phone.SyncGrantRoster(c, platform.DemoGrantProject)
	if err != nil || len(sync.SealKey) != 32 {
		t.Fatalf("sync: seal key %x, %v", sync.SealKey, err)
	}
	yamada, suzuki := profile(t, "yamada"), profile(t, "suzuki")
	noCard := tap(sync, yamada.Serial)
	noCard.Card = nil
	otherCard := tap(sync, yamada.Serial) // suzuki's certificate under yamada's hash
	otherCard.Card, _ = mkpf.SealTapCert(sync.SealKey, otherCard, suzuki.AuthCertDER)
	moved := tap(sync, yamada.Serial) // a sealed certificate taken from another item
	moved.Card = tap(sync, yamada.Serial).Card
	// A certificate made up with yamada's serial, not issued under a JPKI root.
	serial, _ := new(big.Int).SetString(yamada.Serial, 16)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "forged"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	forgedDER, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	forged := tap(sync, yamada.Serial)
	forged.Card, _ = mkpf.SealTapCert(sync.SealKey, forged, forgedDER)
	garbage := tap(sync, yamada.Serial)
	garbage.Card = append([]byte{}, garbage.Card...)
	garbage.Card[len(garbage.Card)-1] ^= 1
	bad := []mkpf.GrantUploadItem{noCard, otherCard, moved, forged, garbage}
	res, err := phone.UploadGrants(c, bad)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range bad {
		if got := codes(res)[it.GrantID]; got != mkpf.CodeNoCardProof {
			t.Errorf("item %d: %s, want %s", i, got, mkpf.CodeNoCardProof)
		}
	}
	good, goodSuzuki := tap(sync, yamada.Serial), tap(sync, suzuki.Serial)
	goodSuzuki.At = good.At // one hour of the report (the seal does not cover the time)
	res, err = phone.UploadGrants(c, []mkpf.GrantUploadItem{good, goodSuzuki})
	if err != nil || codes(res)[good.GrantID] != "accepted" || codes(res)[goodSuzuki.GrantID] != "accepted" {
		t.Fatalf("the cards' own certificates: %+v %v", res, err)
	}
	// The office's report: taps per hour per phone (the refused items and grants without the card are not taps).
	office := w.grantTerminal(platform.DemoGrantOffice)
	if _, err := office.GrantWithoutCard(c, platform.DemoGrantProject, platformclient.NewGrantID(), platform.DemoSuzukiMyKeyID); err != nil {
		t.Fatal(err)
	}
	rep, err := office.GrantTaps(c, platform.DemoGrantProject)
	hour := good.At.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:00")
	if err != nil || len(rep.Rows) != 1 || rep.Rows[0] != (mkpf.GrantTapCount{TerminalID: "00053062", Hour: hour, Taps: 2}) {
		t.Fatalf("taps report: %+v %v", rep, err)
	}
	_, err = phone.GrantTaps(c, platform.DemoGrantProject)
	wantCode(t, err, mkpf.CodeForbidden)
	auditOK(t, w.srv)
}

// M3, kept: even a project name stored before the checks, with CR/LF and header lines in it, gives no header or
// recipient in the grant e-mail (the name is only in the body, which is encoded).
func TestMail_ProjectNameCannotInjectHeaders(t *testing.T) {
	w := newPointsWorld(t)
	smtp := testenv.SMTP(t)
	startMailer(t, w.srv, smtp)
	if err := platform.PlantGrantProjectName(w.srv, platform.DemoGrantProject, "講座\r\nBcc: victim@example.jp\r\nSubject: 当選のお知らせ\r\n\r\nhttp://evil.example/"); err != nil {
		t.Fatal(err)
	}
	office := w.grantTerminal(platform.DemoGrantOffice)
	gid := platformclient.NewGrantID()
	if res, err := office.GrantWithoutCard(context.Background(), platform.DemoGrantProject, gid, platform.DemoYamadaMyKeyID); err != nil || codes(res)[gid] != "accepted" {
		t.Fatalf("grant: %+v %v", res, err)
	}
	ms := smtp.WaitMessages(t, 1, mailWait)
	waitNoPending(t, w.srv)
	ms = smtp.Messages(t)
	if len(ms) != 1 || ms[0].To != platform.DemoYamadaEmail {
		t.Fatalf("messages: %+v", ms)
	}
	raw, err := os.ReadFile(ms[0].File)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
	subjects := 0
	for _, l := range strings.Split(head, "\n") {
		if strings.HasPrefix(strings.ToLower(l), "subject:") {
			subjects++
		}
	}
	if subjects != 1 || strings.Contains(strings.ToLower(head), "bcc:") || strings.Contains(head, "victim") {
		t.Fatalf("the project name reached the headers:\n%s", head)
	}
}
