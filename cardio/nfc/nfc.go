// Package nfc is the card source of a phone's NFC reader for the mobile grant app (持ち歩き用ポイント付与アプリ,
// screens 77-79): a My Number Card tapped on the phone is an ISO 14443-4 tag (Android IsoDep). The platform glue
// (isodep_android.go: JNI on android.nfc.tech.IsoDep; cardio/nfc/fyneglue for Fyne's driver.RunNative) hands each
// discovered tag to Source.Discovered; Source is a cardio.Source like PC/SC, so cardio.ReadAuthCert and
// terminal/grant's Device.Run work on it unchanged. Every command goes through cardio.Guard before it reaches the tag:
// the My Number APs cannot be selected over NFC either.
//
// This file has no platform code and is tested on Linux with virtual cards as tags.
package nfc

import (
	"context"
	"errors"
	"sync"

	"github.com/mykeyterm/mykeyterm/cardio"
)

// ReaderName is the one reader of a phone.
const ReaderName = "NFC"

// Tag is one tapped ISO 14443-4 tag: Transceive sends one command APDU and returns the response (data + SW1 SW2).
// Implementations return when ctx ends and report a lost tag as an error.
type Tag interface {
	Transceive(ctx context.Context, apdu []byte) ([]byte, error)
	Close() error
}

// ErrTagLost is a tag taken away from the phone during a command.
var ErrTagLost = errors.New("nfc: tag lost")

// Messages of the phone's reader, in the clerk's words.
const (
	// MsgNFCOff: the phone's NFC is switched off (Settings), so no card can be read.
	MsgNFCOff = "スマートフォンのNFCがオフになっています。設定でNFC（かざして読み取り）をオンにしてから、［カード読取・ポイント付与 開始］を押してください。"
	// MsgNoNFC: the phone has no NFC reader.
	MsgNoNFC = "このスマートフォンにはNFC（カードの読み取り機能）がありません。NFCのあるスマートフォンで使ってください。"
	// MsgNotMyNumberCard: a card that is not an ISO 14443-4 card (a transit card such as Suica, a FeliCa card).
	MsgNotMyNumberCard = "マイナンバーカードではないカードです（交通系ICカードなどは使えません）。マイナンバーカードをかざしてください。"
)

// NFC states a platform glue reports (Source.SetCheck).
var (
	ErrNFCOff = &cardio.Error{Kind: cardio.ErrNoReader, Message: MsgNFCOff}
	ErrNoNFC  = &cardio.Error{Kind: cardio.ErrNoReader, Message: MsgNoNFC}
)

// Source is the phone's NFC reader as a cardio.Source. The zero value is not usable; use NewSource.
//
// Only taps made while something watches (screen 79 between [開始] and [終了]) are cards: a tag discovered with no
// watcher, or one still held when a watch starts, is from before [開始] and is closed, never read as a new tap.
type Source struct {
	mu       sync.Mutex
	tag      Tag
	watchers map[chan cardio.Event]struct{}
	check    func() error
}

// NewSource returns a Source with no tag.
func NewSource() *Source { return &Source{watchers: map[chan cardio.Event]struct{}{}} }

// SetCheck sets the platform glue's check of the reader (NFC present and switched on), run when a watch starts and
// when the readers are listed; its error (ErrNFCOff, ErrNoNFC) is the answer.
func (s *Source) SetCheck(check func() error) {
	s.mu.Lock()
	s.check = check
	s.mu.Unlock()
}

func (s *Source) checkReader() error {
	s.mu.Lock()
	check := s.check
	s.mu.Unlock()
	if check == nil {
		return nil
	}
	return check()
}

// Discovered is called by the platform glue when a tag is tapped: it becomes the card of ReaderName (a previous tag
// is closed) and watchers see a card inserted. With no watcher the tag is closed and forgotten.
func (s *Source) Discovered(t Tag) {
	s.mu.Lock()
	if len(s.watchers) == 0 {
		s.mu.Unlock()
		t.Close()
		return
	}
	old := s.tag
	s.tag = t
	s.mu.Unlock()
	if old != nil {
		old.Close()
		s.notify(cardio.Event{Reader: ReaderName, Present: false})
	}
	s.notify(cardio.Event{Reader: ReaderName, Present: true})
}

// DiscoveredOther is called by the platform glue for a tapped card that is not ISO 14443-4 (IsoDep): a transit or
// FeliCa card. Watchers see a card whose reading answers MsgNotMyNumberCard.
func (s *Source) DiscoveredOther() { s.Discovered(otherTag{}) }

// otherTag is a tapped card that is not an IsoDep tag: nothing can be sent to it.
type otherTag struct{}

func (otherTag) Transceive(context.Context, []byte) ([]byte, error) { return nil, errNotIsoDep }
func (otherTag) Close() error                                       { return nil }

var errNotIsoDep = errors.New("nfc: not an ISO 14443-4 tag")

// Lost is called when the tag is gone (taken away, or a command failed with the tag lost).
func (s *Source) Lost() {
	s.mu.Lock()
	old := s.tag
	s.tag = nil
	s.mu.Unlock()
	if old != nil {
		old.Close()
		s.notify(cardio.Event{Reader: ReaderName, Present: false})
	}
}

func (s *Source) notify(e cardio.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.watchers {
		select {
		case ch <- e:
		default: // a watcher that does not read misses events rather than blocking the NFC thread
		}
	}
}

// Watching reports whether a watch runs (screen 79 between [開始] and [終了]): only then is a tap a card.
func (s *Source) Watching() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.watchers) > 0
}

// Readers is the phone's one reader (or the check's error: NFC off or missing).
func (s *Source) Readers(ctx context.Context) ([]string, error) {
	if err := s.checkReader(); err != nil {
		return nil, err
	}
	return []string{ReaderName}, nil
}

// Connect returns the tapped tag as a cardio.Card; ErrNoCard without one.
func (s *Source) Connect(ctx context.Context, reader string) (cardio.Card, error) {
	if reader != "" && reader != ReaderName {
		return nil, &cardio.Error{Kind: cardio.ErrNoReader, Message: cardio.Message(cardio.ErrNoReader)}
	}
	s.mu.Lock()
	t := s.tag
	s.mu.Unlock()
	if t == nil {
		return nil, &cardio.Error{Kind: cardio.ErrNoCard, Message: cardio.Message(cardio.ErrNoCard)}
	}
	if _, ok := t.(otherTag); ok {
		return nil, &cardio.Error{Kind: cardio.ErrUnknownCard, Message: MsgNotMyNumberCard, Err: errNotIsoDep}
	}
	return &card{src: s, tag: t}, nil
}

// Watch reports no card first, then each tap and loss, until ctx ends. A tag held when the first watch starts was
// tapped before it (before [開始]) and is dropped: it is not answered as a tap. NFC switched off is its error.
func (s *Source) Watch(ctx context.Context) (<-chan cardio.Event, error) {
	if err := s.checkReader(); err != nil {
		return nil, err
	}
	ch := make(chan cardio.Event, 16)
	s.mu.Lock()
	var stale Tag
	if len(s.watchers) == 0 {
		stale, s.tag = s.tag, nil
	}
	present := s.tag != nil
	s.watchers[ch] = struct{}{}
	s.mu.Unlock()
	if stale != nil {
		stale.Close()
	}
	ch <- cardio.Event{Reader: ReaderName, Present: present}
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		delete(s.watchers, ch)
		close(ch)
		s.mu.Unlock()
	}()
	return ch, nil
}

// card is a tapped tag; Close leaves the tag to the Source (the next command of another read may use it).
type card struct {
	src *Source
	tag Tag
}

func (c *card) Reader() string { return ReaderName }

func (c *card) Close() error { return nil }

// Transmit checks cmd against cardio.Guard, then sends it to the tag.
func (c *card) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := cardio.Guard(cmd); err != nil {
		return nil, err
	}
	resp, err := c.tag.Transceive(ctx, cmd)
	if errors.Is(err, ErrTagLost) {
		c.src.Lost()
		return nil, &cardio.Error{Kind: cardio.ErrCardRemoved, Message: cardio.Message(cardio.ErrCardRemoved), Err: err}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, &cardio.Error{Kind: cardio.ErrTimeout, Message: cardio.Message(cardio.ErrTimeout), Err: err}
		}
		return nil, &cardio.Error{Kind: cardio.ErrCard, Message: cardio.Message(cardio.ErrCard), Err: err}
	}
	return resp, nil
}
