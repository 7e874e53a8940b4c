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

// watching starts a watch (screen 79 after [開始]) for the test's life: only then are taps cards.
func watching(t *testing.T, src *Source) <-chan cardio.Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ev, err := src.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestScreen79_TappedTagReadsTheAuthCertificate(t *testing.T) {
	src := NewSource()
	watching(t, src)
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
	watching(t, src)
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

func nextEvent(t *testing.T, ev <-chan cardio.Event) (cardio.Event, bool) {
	t.Helper()
	select {
	case e := <-ev:
		return e, true
	case <-time.After(10 * time.Second):
		return cardio.Event{}, false
	}
}

// A tag tapped before [開始] (no watch yet, or left from the last watch) is not answered as a new tap.
func TestScreen79_TagFromBeforeStartIsNotATap(t *testing.T) {
	src := NewSource()
	early := tap(t, "yamada")
	src.Discovered(early) // the phone on the desk, before [開始]
	ev := watching(t, src)
	if e, ok := nextEvent(t, ev); !ok || e.Present {
		t.Fatalf("first event after [開始]: %+v", e)
	}
	if _, err := src.Connect(context.Background(), ""); !errors.Is(err, cardio.ErrNoCard) {
		t.Fatalf("the tag from before [開始] is a card: %v", err)
	}
	if len(early.sent) != 0 {
		t.Fatal("the tag from before [開始] was read")
	}

	// A tag still held when the watch ended ([終了]) is not a tap of the next [開始] either.
	src2 := NewSource()
	ctx, cancel := context.WithCancel(context.Background())
	ev1, err := src2.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, ev1)
	src2.Discovered(tap(t, "suzuki"))
	if e, _ := nextEvent(t, ev1); !e.Present {
		t.Fatalf("tap during the watch: %+v", e)
	}
	cancel()
	for range ev1 { // the watch has ended when its channel is closed
	}
	ev2 := watching(t, src2)
	if e, ok := nextEvent(t, ev2); !ok || e.Present {
		t.Fatalf("first event of the next watch: %+v", e)
	}
}

// A card that is not an IsoDep tag (a transit card such as Suica) is answered with a message, not ignored.
func TestScreen79_NonIsoDepCardIsAnsweredWithAMessage(t *testing.T) {
	src := NewSource()
	ev := watching(t, src)
	nextEvent(t, ev)
	src.DiscoveredOther()
	if e, ok := nextEvent(t, ev); !ok || !e.Present {
		t.Fatalf("the other card is no event: %+v", e)
	}
	_, err := cardio.ReadAuthCert(context.Background(), src, "")
	var ce *cardio.Error
	if !errors.Is(err, cardio.ErrUnknownCard) || !errors.As(err, &ce) || ce.Message != MsgNotMyNumberCard {
		t.Fatalf("a transit card: %v", err)
	}
}

// NFC switched off (or missing) is said in Japanese when [開始] is pressed, instead of waiting for taps that never come.
func TestScreen79_NFCOffIsSaid(t *testing.T) {
	src := NewSource()
	src.SetCheck(func() error { return ErrNFCOff })
	_, err := src.Watch(context.Background())
	var ce *cardio.Error
	if !errors.As(err, &ce) || ce.Message != MsgNFCOff || !errors.Is(err, cardio.ErrNoReader) {
		t.Fatalf("NFC off: %v", err)
	}
	if _, err := src.Readers(context.Background()); err == nil {
		t.Fatal("NFC off: the reader is listed")
	}
	src.SetCheck(func() error { return nil })
	if _, err := src.Watch(t.Context()); err != nil {
		t.Fatalf("NFC on: %v", err)
	}
}
