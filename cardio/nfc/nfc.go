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

// Source is the phone's NFC reader as a cardio.Source. The zero value is not usable; use NewSource.
type Source struct {
	mu       sync.Mutex
	tag      Tag
	watchers map[chan cardio.Event]struct{}
}

// NewSource returns a Source with no tag.
func NewSource() *Source { return &Source{watchers: map[chan cardio.Event]struct{}{}} }

// Discovered is called by the platform glue when a tag is tapped: it becomes the card of ReaderName (a previous tag
// is closed) and watchers see a card inserted.
func (s *Source) Discovered(t Tag) {
	s.mu.Lock()
	old := s.tag
	s.tag = t
	s.mu.Unlock()
	if old != nil {
		old.Close()
		s.notify(cardio.Event{Reader: ReaderName, Present: false})
	}
	s.notify(cardio.Event{Reader: ReaderName, Present: true})
}

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

// Readers is the phone's one reader.
func (s *Source) Readers(ctx context.Context) ([]string, error) { return []string{ReaderName}, nil }

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
	return &card{src: s, tag: t}, nil
}

// Watch reports the current state first, then each tap and loss, until ctx ends.
func (s *Source) Watch(ctx context.Context) (<-chan cardio.Event, error) {
	ch := make(chan cardio.Event, 16)
	s.mu.Lock()
	s.watchers[ch] = struct{}{}
	present := s.tag != nil
	s.mu.Unlock()
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
