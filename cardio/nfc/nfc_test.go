package nfc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
)

// vtag is a virtual My Number Card tapped as an IsoDep tag; it records what reached it and can be taken away.
type vtag struct {
	card *vcard.Card
	sent [][]byte
	gone bool
}

func (t *vtag) Transceive(ctx context.Context, apdu []byte) ([]byte, error) {
	if t.gone {
		return nil, ErrTagLost
	}
	t.sent = append(t.sent, append([]byte(nil), apdu...))
	return t.card.Process(apdu), nil
}

func (t *vtag) Close() error { return nil }

func tap(t *testing.T, profile string) *vtag {
	c, err := vcard.New(profile)
	if err != nil {
		t.Fatal(err)
	}
	return &vtag{card: c}
}

func TestScreen79_TappedTagReadsTheAuthCertificate(t *testing.T) {
	src := NewSource()
	ctx := context.Background()
	if _, err := cardio.ReadAuthCert(ctx, src, ""); !errors.Is(err, cardio.ErrNoCard) {
		t.Fatalf("no tag: %v", err)
	}
	tag := tap(t, "yamada")
	src.Discovered(tag)
	cr, err := cardio.ReadAuthCert(ctx, src, "")
	p, _ := demopki.Get("yamada")
	if err != nil || cr.Serial != p.Serial || cr.Reader != ReaderName {
		t.Fatalf("%+v %v", cr, err)
	}
	for _, apdu := range tag.sent {
		if cardio.Guard(apdu) != nil {
			t.Fatalf("an APDU off the allow-list reached the tag: % X", apdu)
		}
	}
}

func TestScreen79_MyNumberAPIsRefusedBeforeTheTag(t *testing.T) {
	src := NewSource()
	tag := tap(t, "yamada")
	src.Discovered(tag)
	c, err := src.Connect(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sel := append([]byte{0x00, 0xA4, 0x04, 0x0C, byte(len(cardio.AIDCardInfoInput))}, cardio.AIDCardInfoInput...)
	if _, err := c.Transmit(context.Background(), sel); !errors.Is(err, cardio.ErrForbiddenAID) {
		t.Fatalf("SELECT of the 券面事項入力補助AP: %v", err)
	}
	if len(tag.sent) != 0 || tag.card.Alarms() != 0 {
		t.Fatalf("the command reached the tag: %d sent, %d alarms", len(tag.sent), tag.card.Alarms())
	}
}

func TestScreen79_TapsAndLossesAreWatchEventsAndALostTagIsCardRemoved(t *testing.T) {
	src := NewSource()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev, err := src.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := func() cardio.Event {
		select {
		case e := <-ev:
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
		return cardio.Event{}
	}
	if e := next(); e.Present {
		t.Fatalf("first event %+v", e)
	}
	tag := tap(t, "suzuki")
	src.Discovered(tag)
	if e := next(); !e.Present || e.Reader != ReaderName {
		t.Fatalf("tap %+v", e)
	}
	tag.gone = true
	_, err = cardio.ReadAuthCert(ctx, src, "")
	if !errors.Is(err, cardio.ErrCardRemoved) {
		t.Fatalf("lost tag: %v", err)
	}
	if e := next(); e.Present {
		t.Fatalf("loss %+v", e)
	}
	if _, err := src.Connect(ctx, ""); !errors.Is(err, cardio.ErrNoCard) {
		t.Fatalf("after loss: %v", err)
	}
}
