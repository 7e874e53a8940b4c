package vcard

import (
	"context"
	"fmt"
	"sync"

	"github.com/mykeyterm/mykeyterm/cardio"
)

// Slots is the number of readers of a Source.
const Slots = 2

// ReaderName is the name of slot i of an in-process Source.
func ReaderName(slot int) string { return fmt.Sprintf("MyKeyTerm Virtual Reader %d", slot) }

// Source is an in-process cardio.Source with two readers ("MyKeyTerm Virtual Reader 0" and "… 1") into which
// virtual cards are inserted and removed, for the GUI's demo panel and fast tests.
type Source struct {
	mu       sync.Mutex
	slots    [Slots]*Card
	watchers map[chan cardio.Event]context.Context
}

// NewSource returns a Source with both readers empty.
func NewSource() *Source { return &Source{watchers: map[chan cardio.Event]context.Context{}} }

// Insert puts a fresh card of the profile into reader 0 (replacing what was there).
func (s *Source) Insert(profile string) (*Card, error) { return s.InsertAt(0, profile) }

// InsertAt puts a fresh card of the profile into the slot.
func (s *Source) InsertAt(slot int, profile string) (*Card, error) {
	c, err := New(profile)
	if err != nil {
		return nil, err
	}
	return c, s.InsertCard(slot, c)
}

// InsertCard puts the given card (e.g. one with faults set) into the slot.
func (s *Source) InsertCard(slot int, c *Card) error {
	if slot < 0 || slot >= Slots {
		return fmt.Errorf("vcard: no slot %d", slot)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.slots[slot]; old != nil {
		old.Remove()
		s.notify(cardio.Event{Reader: ReaderName(slot)})
	}
	c.mu.Lock()
	c.reader = ReaderName(slot)
	c.mu.Unlock()
	c.Reset()
	s.slots[slot] = c
	s.notify(cardio.Event{Reader: ReaderName(slot), Present: true, ATR: c.ATR()})
	return nil
}

// Remove takes the card out of reader 0.
func (s *Source) Remove() { s.RemoveAt(0) }

// RemoveAt takes the card out of the slot; open connections to it fail with ErrCardRemoved.
func (s *Source) RemoveAt(slot int) {
	if slot < 0 || slot >= Slots {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.slots[slot]; c != nil {
		c.Remove()
		s.slots[slot] = nil
		s.notify(cardio.Event{Reader: ReaderName(slot)})
	}
}

// Card is the card in the slot, or nil.
func (s *Source) Card(slot int) *Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot < 0 || slot >= Slots {
		return nil
	}
	return s.slots[slot]
}

// notify sends to every watcher; s.mu is held. A watcher that does not keep up blocks the inserter until its ctx ends.
func (s *Source) notify(e cardio.Event) {
	for ch, ctx := range s.watchers {
		select {
		case ch <- e:
		case <-ctx.Done():
		}
	}
}

// Readers lists both readers.
func (s *Source) Readers(ctx context.Context) ([]string, error) {
	names := make([]string, Slots)
	for i := range names {
		names[i] = ReaderName(i)
	}
	return names, nil
}

// Connect connects to the card in the reader ("" = first reader holding a card).
func (s *Source) Connect(ctx context.Context, reader string) (cardio.Card, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.slots {
		if reader != "" && reader != ReaderName(i) {
			continue
		}
		if c == nil {
			if reader != "" {
				return nil, &cardio.Error{Kind: cardio.ErrNoCard, Message: cardio.Message(cardio.ErrNoCard)}
			}
			continue
		}
		c.Reset()
		return c, nil
	}
	if reader != "" {
		return nil, &cardio.Error{Kind: cardio.ErrNoReader, Message: cardio.Message(cardio.ErrNoReader), Err: fmt.Errorf("no reader %q", reader)}
	}
	return nil, &cardio.Error{Kind: cardio.ErrNoCard, Message: cardio.Message(cardio.ErrNoCard)}
}

// Watch reports the current state of both readers, then every insertion and removal, until ctx ends.
func (s *Source) Watch(ctx context.Context) (<-chan cardio.Event, error) {
	ch := make(chan cardio.Event, Slots+8)
	s.mu.Lock()
	for i, c := range s.slots {
		e := cardio.Event{Reader: ReaderName(i)}
		if c != nil {
			e.Present, e.ATR = true, c.ATR()
		}
		ch <- e
	}
	s.watchers[ch] = ctx
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		delete(s.watchers, ch)
		close(ch)
		s.mu.Unlock()
	}()
	return ch, nil
}
