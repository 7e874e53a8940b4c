package cardio_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
)

func newCard(t testing.TB, profile string) *vcard.Card {
	t.Helper()
	c, err := vcard.New(profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openJPKI(t testing.TB, c cardio.Card) *cardio.JPKI {
	t.Helper()
	j, err := cardio.OpenJPKI(context.Background(), c)
	if err != nil {
		t.Fatalf("OpenJPKI: %v", err)
	}
	return j
}

func wantKind(t testing.TB, err, kind error) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error of kind %v, got nil", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("want error of kind %v, got %v", kind, err)
	}
	if m := cardio.Message(err); !strings.ContainsAny(m, "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん") {
		t.Fatalf("message %q is not Japanese", m)
	}
}

func ceil256(n int) int { return (n + 255) / 256 }

func TestOpenJPKI_DetectsTheMyNumberCardByItsToken(t *testing.T) {
	c := newCard(t, "yamada")
	j := openJPKI(t, c)
	if j.Token() != "JPKIAPICCTOKEN2" || j.APDUs() != 3 || c.APDUs() != 3 {
		t.Fatalf("token %q after %d APDUs (card saw %d)", j.Token(), j.APDUs(), c.APDUs())
	}
}

func TestOpenJPKI_RefusesACardWithoutTheJPKIAP(t *testing.T) {
	_, err := cardio.OpenJPKI(context.Background(), newCard(t, "libcard-180000000011"))
	wantKind(t, err, cardio.ErrUnknownCard)
}

func TestReadAuthCert_TakesTwoPlusOneAPDUPer256BytesForEveryProfile(t *testing.T) {
	ctx := context.Background()
	for _, name := range demopki.Profiles() {
		p, _ := demopki.Get(name)
		if p.Kind != "jpki" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			src := vcard.NewSource()
			if _, err := src.Insert(name); err != nil {
				t.Fatal(err)
			}
			cr, err := cardio.ReadAuthCert(ctx, src, "")
			if name == "expired" {
				wantKind(t, err, cardio.ErrCertExpired)
			} else if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cr.DER, p.AuthCertDER) || cr.Serial != p.Serial || cr.Token != "JPKIAPICCTOKEN2" {
				t.Fatalf("read %d bytes serial %s, want %d bytes serial %s", len(cr.DER), cr.Serial, len(p.AuthCertDER), p.Serial)
			}
			if want := 2 + ceil256(len(p.AuthCertDER)); cr.APDUs != want || cr.TotalAPDUs != want+2 {
				t.Fatalf("APDUs %d (total %d), want %d (+2 token)", cr.APDUs, cr.TotalAPDUs, want)
			}
			if cr.Reader != vcard.ReaderName(0) || cr.CADER != nil || cr.Took <= 0 {
				t.Fatalf("reader %q CADER %d took %v", cr.Reader, len(cr.CADER), cr.Took)
			}
		})
	}
}

func TestReadAuthCert_FindsTheMyNumberCardBesideAPatronCard(t *testing.T) {
	src := vcard.NewSource()
	src.InsertAt(0, "libcard-180000000011")
	src.InsertAt(1, "suzuki")
	cr, err := cardio.ReadAuthCertWithCA(context.Background(), src, "")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := demopki.Get("suzuki")
	if cr.Serial != p.Serial || cr.Reader != vcard.ReaderName(1) || !bytes.Equal(cr.CADER, demopki.AuthCADER()) {
		t.Fatalf("got %s in %s", cr.Serial, cr.Reader)
	}
	if err := cr.Cert.CheckSignatureFrom(demopki.AuthCA()); err != nil {
		t.Fatal(err)
	}
}

func TestReadAuthCert_NoCardAndNoReaderAreTypedErrors(t *testing.T) {
	src := vcard.NewSource()
	_, err := cardio.ReadAuthCert(context.Background(), src, "")
	wantKind(t, err, cardio.ErrNoCard)
	_, err = cardio.ReadAuthCert(context.Background(), src, "No Such Reader")
	wantKind(t, err, cardio.ErrNoReader)
	_, err = cardio.ReadAuthCert(context.Background(), src, vcard.ReaderName(1))
	wantKind(t, err, cardio.ErrNoCard)
}

// Certificates of odd sizes: the length comes from the DER header (short, 81, 82 forms; exact multiples of 256) and
// the read takes exactly 1 + ⌈L/256⌉ APDUs after OpenJPKI, never reading into the EF's zero padding.
func TestReadAuthCert_ParsesEveryLengthForm(t *testing.T) {
	for _, total := range []int{2 + 0x7F, 3 + 0x80, 3 + 0xFF, 256, 257, 511, 512, 513, 768, 1024, 1280, 1500, 2048} {
		der := fakeDER(total)
		c := newCard(t, "tanaka")
		c.Profile().AuthCertDER = der
		j := openJPKI(t, c)
		got, err := j.ReadAuthCert(context.Background())
		if err != nil {
			t.Fatalf("L=%d: %v", total, err)
		}
		if !bytes.Equal(got, der) {
			t.Fatalf("L=%d: read %d bytes, differs", total, len(got))
		}
		if want := 3 + 1 + ceil256(total); j.APDUs() != want {
			t.Fatalf("L=%d: %d APDUs, want %d", total, j.APDUs(), want)
		}
	}
}

// fakeDER is a SEQUENCE of exactly total bytes with the minimal length form, filled with a pattern.
func fakeDER(total int) []byte {
	var hdr []byte
	switch body := total - 2; {
	case body < 0x80:
		hdr = []byte{0x30, byte(body)}
	case total-3 <= 0xFF:
		hdr = []byte{0x30, 0x81, byte(total - 3)}
	default:
		hdr = []byte{0x30, 0x82, byte((total - 4) >> 8), byte(total - 4)}
	}
	b := append(hdr, make([]byte, total-len(hdr))...)
	for i := len(hdr); i < total; i++ {
		b[i] = byte(i*7 + 1)
	}
	return b
}

func TestReadAuthCert_RefusesAnEFThatDoesNotHoldACertificate(t *testing.T) {
	c := newCard(t, "tanaka")
	c.Profile().AuthCertDER = []byte{0x04, 0x03, 1, 2, 3}
	_, err := openJPKI(t, c).ReadAuthCert(context.Background())
	wantKind(t, err, cardio.ErrUnknownCard)
}

func TestPIN_TriesAreReadWithoutSpendingOne(t *testing.T) {
	ctx := context.Background()
	c := newCard(t, "yamada")
	j := openJPKI(t, c)
	for i := 0; i < 3; i++ {
		if n, err := j.PINTries(ctx, cardio.PINAuth); err != nil || n != 3 {
			t.Fatalf("auth tries %d, %v", n, err)
		}
	}
	if n, err := j.PINTries(ctx, cardio.PINSign); err != nil || n != 5 {
		t.Fatalf("sign tries %d, %v", n, err)
	}
	if a, s := c.PINTries(); a != 3 || s != 5 {
		t.Fatalf("card counters %d/%d", a, s)
	}
}

func TestPIN_WrongPINCountsDownThenBlocksAndIsNeverRetried(t *testing.T) {
	ctx := context.Background()
	c := newCard(t, "yamada")
	j := openJPKI(t, c)
	for _, left := range []int{2, 1, 0} {
		before := c.APDUs()
		err := j.VerifyPIN(ctx, cardio.PINAuth, "9999")
		var w *cardio.WrongPINError
		if !errors.As(err, &w) || w.Left != left {
			t.Fatalf("want WrongPINError{%d}, got %v", left, err)
		}
		if errors.Is(err, cardio.ErrPINBlocked) != (left == 0) {
			t.Fatalf("left %d: blocked = %v", left, errors.Is(err, cardio.ErrPINBlocked))
		}
		if c.APDUs()-before != 2 { // SELECT PIN EF + one VERIFY: no retry
			t.Fatalf("VERIFY took %d APDUs", c.APDUs()-before)
		}
		if !strings.Contains(cardio.Message(err), "暗証番号が違います") {
			t.Fatalf("message %q", cardio.Message(err))
		}
	}
	wantKind(t, j.VerifyPIN(ctx, cardio.PINAuth, "1234"), cardio.ErrPINBlocked) // 69 84, even with the right PIN
	if n, err := j.PINTries(ctx, cardio.PINAuth); err != nil || n != 0 {
		t.Fatalf("tries %d, %v", n, err)
	}
}

func TestPIN_RightPINResetsTheCounter(t *testing.T) {
	ctx := context.Background()
	j := openJPKI(t, newCard(t, "yamada"))
	j.VerifyPIN(ctx, cardio.PINSign, "WRONG1")
	if err := j.VerifyPIN(ctx, cardio.PINSign, "ABC123"); err != nil {
		t.Fatal(err)
	}
	if n, _ := j.PINTries(ctx, cardio.PINSign); n != 5 {
		t.Fatalf("sign tries %d", n)
	}
}

func TestPIN_LockedProfileReportsBlocked(t *testing.T) {
	ctx := context.Background()
	j := openJPKI(t, newCard(t, "locked"))
	if n, err := j.PINTries(ctx, cardio.PINAuth); err != nil || n != 0 {
		t.Fatalf("tries %d, %v", n, err)
	}
	wantKind(t, j.VerifyPIN(ctx, cardio.PINAuth, "1234"), cardio.ErrPINBlocked)
}

func TestPIN_BadFormSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		which cardio.PIN
		pin   string
	}{{cardio.PINAuth, "123"}, {cardio.PINAuth, "12345"}, {cardio.PINAuth, "12a4"}, {cardio.PINSign, "ABC12"},
		{cardio.PINSign, "abc123"}, {cardio.PINSign, "ABCDEFGHIJ1234567"}, {cardio.PINSign, "ABC 123"}} {
		c := newCard(t, "yamada")
		j := openJPKI(t, c)
		before := c.APDUs()
		wantKind(t, j.VerifyPIN(context.Background(), tc.which, tc.pin), cardio.ErrPINFormat)
		if c.APDUs() != before {
			t.Fatalf("%q: sent %d APDUs", tc.pin, c.APDUs()-before)
		}
	}
}

func TestSignAuth_NeedsTheAuthPINAndVerifiesWithTheCertificate(t *testing.T) {
	ctx := context.Background()
	j := openJPKI(t, newCard(t, "yamada"))
	h := sha256.Sum256([]byte("challenge from the platform"))
	di := append([]byte{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, h[:]...)
	_, err := j.SignAuth(ctx, di)
	wantKind(t, err, cardio.ErrPINRequired)
	if err := j.VerifyPIN(ctx, cardio.PINAuth, "1234"); err != nil {
		t.Fatal(err)
	}
	sig, err := j.SignAuth(ctx, di)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := j.ReadAuthCert(ctx)
	cert, _ := x509.ParseCertificate(der)
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, h[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestReadSignCert_IsGuardedByTheSignPIN(t *testing.T) {
	ctx := context.Background()
	j := openJPKI(t, newCard(t, "yamada"))
	_, err := j.ReadSignCert(ctx)
	wantKind(t, err, cardio.ErrPINRequired)
	if err := j.VerifyPIN(ctx, cardio.PINSign, "ABC123"); err != nil {
		t.Fatal(err)
	}
	der, err := j.ReadSignCert(ctx)
	p, _ := demopki.Get("yamada")
	if err != nil || !bytes.Equal(der, p.SignCertDER) {
		t.Fatalf("sign cert: %v", err)
	}
	ca, err := j.ReadSignCACert(ctx)
	if err != nil || !bytes.Equal(ca, demopki.SignCADER()) {
		t.Fatalf("sign CA: %v", err)
	}
}

// The allow-list: nothing but the JPKI AP and its EFs (and the patron-card pseudo-APDUs) ever reaches the card.
var forbidden = []struct {
	name string
	cmd  []byte
}{
	{"券面事項入力補助AP", append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDCardInfoInput...)},
	{"券面AP", append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDCardFace...)},
	{"券面事項入力補助AP with FCI", append([]byte{0x00, 0xA4, 0x04, 0x00, 0x0A}, cardio.AIDCardInfoInput...)},
	{"JPKI AID prefix", append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x09}, cardio.AIDJPKI[:9]...)},
	{"JPKI AID plus a byte", append(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0B}, cardio.AIDJPKI...), 0x01)},
	{"SELECT MF by FID", []byte{0x00, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00}},
	{"SELECT by path", []byte{0x00, 0xA4, 0x08, 0x0C, 0x02, 0x00, 0x01}},
	{"SELECT unknown EF", []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x10}},
	{"READ BINARY by SFI", []byte{0x00, 0xB0, 0x81, 0x00, 0x00}},
	{"CHANGE PIN", []byte{0x00, 0x24, 0x01, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34}},
	{"INTERNAL AUTHENTICATE", []byte{0x00, 0x88, 0x00, 0x00, 0x01, 0x00}},
	{"ISO PSO", []byte{0x00, 0x2A, 0x9E, 0x9A, 0x01, 0x00}},
	{"GET RESPONSE", []byte{0x00, 0xC0, 0x00, 0x00, 0x00}},
	{"reader escape", []byte{0xFF, 0x00, 0x00, 0x00, 0x00}},
	{"short", []byte{0x00, 0xA4}},
	{"empty", nil},
}

func TestGuard_ForbiddenCommandsSendNothingAndNeverRaiseTheAlarm(t *testing.T) {
	for _, tc := range forbidden {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(t, "yamada")
			alarms := 0
			c.OnAlarm = func([]byte) { alarms++ }
			_, _, err := cardio.Transmit(context.Background(), c, tc.cmd)
			wantKind(t, err, cardio.ErrForbiddenAID)
			if c.APDUs() != 0 || c.Alarms() != 0 || alarms != 0 {
				t.Fatalf("card saw %d APDUs, %d alarms", c.APDUs(), c.Alarms())
			}
		})
	}
}

// The alarm itself works: a raw SELECT of the card-info AP (bypassing cardio) raises it.
func TestGuard_VirtualCardAlarmFiresOnARawSelect(t *testing.T) {
	c := newCard(t, "yamada")
	var got []byte
	c.OnAlarm = func(aid []byte) { got = aid }
	resp := c.Process(forbidden[0].cmd)
	if c.Alarms() != 1 || !bytes.Equal(got, cardio.AIDCardInfoInput) || !bytes.Equal(resp, []byte{0x90, 0x00}) {
		t.Fatalf("alarms %d aid % X resp % X", c.Alarms(), got, resp)
	}
}

func TestGuard_AllowsTheJPKIAndPatronCardCommands(t *testing.T) {
	for _, cmd := range [][]byte{
		append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDJPKI...),
		{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}, {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B},
		{0x00, 0xB0, 0x01, 0x00, 0x00}, {0x00, 0x20, 0x00, 0x80}, {0x80, 0x2A, 0x00, 0x80, 0x01, 0x00, 0x00},
		{0xFF, 0xCA, 0x00, 0x00, 0x00}, {0xFF, 0xA4, 0x00, 0x01, 0x02, 0x0B, 0x10}, {0xFF, 0xB0, 0x00, 0x00, 0x00},
	} {
		if err := cardio.Guard(cmd); err != nil {
			t.Errorf("% X: %v", cmd, err)
		}
	}
}

// Card removed at every APDU position of OpenJPKI + the certificate read: a typed error each time, no panic, and a
// clean read from a fresh insertion afterwards.
func TestReadAuthCert_CardRemovedAtEveryAPDUPosition(t *testing.T) {
	p, _ := demopki.Get("yamada")
	n := 2 + 2 + ceil256(len(p.AuthCertDER))
	src := vcard.NewSource()
	for pos := 1; pos <= n; pos++ {
		c := newCard(t, "yamada")
		c.DropAt = pos
		src.InsertCard(0, c)
		_, err := cardio.ReadAuthCert(context.Background(), src, "")
		wantKind(t, err, cardio.ErrCardRemoved)
		if _, err := src.Insert("yamada"); err != nil {
			t.Fatal(err)
		}
		cr, err := cardio.ReadAuthCert(context.Background(), src, "")
		if err != nil || cr.Serial != p.Serial {
			t.Fatalf("position %d: read after re-insertion: %v", pos, err)
		}
	}
}

func TestTransmit_AHangingCardEndsWithTimeoutAtTheDeadline(t *testing.T) {
	c := newCard(t, "yamada")
	c.HangAt = 5
	j := openJPKI(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := j.ReadAuthCert(ctx)
	wantKind(t, err, cardio.ErrTimeout)
}

func TestReadPatronCard_ReadsTheLibraryCardNumber(t *testing.T) {
	ctx := context.Background()
	c := newCard(t, "libcard-180000000011")
	uid, number, err := cardio.ReadPatronCard(ctx, c, &cardio.FeliCaProfile{ServiceCode: 0x100B, Block: 0})
	if err != nil || uid != "012E4CD123456789" || number != "180000000011" {
		t.Fatalf("uid %q number %q err %v", uid, number, err)
	}
	if c.APDUs() != 3 {
		t.Fatalf("%d APDUs", c.APDUs())
	}
	uid, number, err = cardio.ReadPatronCard(ctx, c, nil)
	if err != nil || uid != "012E4CD123456789" || number != "" {
		t.Fatalf("uid only: %q %q %v", uid, number, err)
	}
	_, _, err = cardio.ReadPatronCard(ctx, c, &cardio.FeliCaProfile{ServiceCode: 0x090F})
	wantKind(t, err, cardio.ErrUnknownCard)
	_, _, err = cardio.ReadPatronCard(ctx, c, &cardio.FeliCaProfile{ServiceCode: 0x100B, Block: 3})
	wantKind(t, err, cardio.ErrUnknownCard)
	_, _, err = cardio.ReadPatronCard(ctx, newCard(t, "yamada"), nil)
	wantKind(t, err, cardio.ErrUnknownCard)
}

func TestMessage_EveryKindHasAJapaneseMessageAndUnknownErrorsAGenericOne(t *testing.T) {
	for _, kind := range []error{cardio.ErrNoReader, cardio.ErrNoCard, cardio.ErrCardRemoved, cardio.ErrUnknownCard,
		cardio.ErrSharing, cardio.ErrTimeout, cardio.ErrCertExpired, cardio.ErrPINBlocked, cardio.ErrPINFormat,
		cardio.ErrPINRequired, cardio.ErrForbiddenAID, cardio.ErrPCSCUnavailable, cardio.ErrCard} {
		m := cardio.Message(kind)
		if m == "" || m == cardio.Message(errors.New("x")) && kind != cardio.ErrCard {
			t.Errorf("%v: message %q", kind, m)
		}
	}
	if !strings.HasPrefix(cardio.Message(cardio.ErrSharing), "他のプログラムがカードリーダーを使用中です。") {
		t.Error(cardio.Message(cardio.ErrSharing))
	}
	if cardio.Message(context.DeadlineExceeded) != cardio.Message(cardio.ErrTimeout) || cardio.Message(nil) != "" {
		t.Error("deadline / nil")
	}
	if !strings.Contains(cardio.Message(errors.New("boom")), "カード") {
		t.Error("generic")
	}
}

func TestSource_WatchReportsInsertionAndRemoval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := vcard.NewSource()
	events, _ := src.Watch(ctx)
	for range vcard.Slots {
		if e := <-events; e.Present {
			t.Fatalf("initial %+v", e)
		}
	}
	src.InsertAt(1, "yamada")
	if e := <-events; e.Reader != vcard.ReaderName(1) || !e.Present || !bytes.Equal(e.ATR, vcard.ATRJPKI) {
		t.Fatalf("insert %+v", e)
	}
	src.RemoveAt(1)
	if e := <-events; e.Reader != vcard.ReaderName(1) || e.Present {
		t.Fatalf("remove %+v", e)
	}
	cancel()
	for range events {
	}
}
