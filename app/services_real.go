package app

import (
	"context"
	"errors"
	"image"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/printing"
)

// This file satisfies the screens' interfaces with the real packages.

// RealServices wires the screens to a card source (PC/SC or the demo's virtual cards), the platform client and the
// hand-off/printing code.
func RealServices(src cardio.Source, client *platformclient.Client, patron *cardio.FeliCaProfile) *Services {
	return &Services{
		Cards:       &CardService{Src: src, Patron: patron},
		Platform:    client,
		Handoff:     HandoffService{},
		Settings:    &ClientSettings{C: client},
		Message:     Message,
		PlatformURL: client.PlatformURL(),
		Points:      client,
		Grant:       NewGrantService(client, src),
	}
}

// CardService implements Cards over a cardio.Source.
type CardService struct {
	Src    cardio.Source
	Patron *cardio.FeliCaProfile // where the issuer's FeliCa patron card keeps the number (screen 23 [読取])
}

func (c *CardService) Readers(ctx context.Context) ([]string, error) { return c.Src.Readers(ctx) }

func (c *CardService) ReadAuthCert(ctx context.Context, reader string) ([]byte, error) {
	cr, err := cardio.ReadAuthCert(ctx, c.Src, reader)
	if err != nil && errors.Is(err, cardio.ErrCertExpired) && cr != nil {
		// The platform checks validity too and answers in its own words; send it so the clerk sees one consistent
		// message whichever side notices first.
		return cr.DER, nil
	}
	if err != nil {
		return nil, err
	}
	return cr.DER, nil
}

func (c *CardService) withJPKI(ctx context.Context, reader string, f func(j *cardio.JPKI) error) error {
	card, err := c.Src.Connect(ctx, reader)
	if err != nil {
		return err
	}
	defer card.Close()
	if t, ok := card.(cardio.Transactor); ok {
		if err := t.Begin(ctx); err != nil {
			return err
		}
		defer t.End(context.WithoutCancel(ctx))
	}
	j, err := cardio.OpenJPKI(ctx, card)
	if err != nil {
		return err
	}
	return f(j)
}

func (c *CardService) SignPINTries(ctx context.Context, reader string) (n int, err error) {
	err = c.withJPKI(ctx, reader, func(j *cardio.JPKI) error {
		n, err = j.PINTries(ctx, cardio.PINSign)
		if errors.Is(err, cardio.ErrPINBlocked) {
			n, err = 0, nil
		}
		return err
	})
	return n, err
}

// ReadSignCert sends the PIN once; a wrong PIN comes back as *cardio.WrongPINError with the tries left.
func (c *CardService) ReadSignCert(ctx context.Context, reader, pin string) (der []byte, err error) {
	err = c.withJPKI(ctx, reader, func(j *cardio.JPKI) error {
		if err := j.VerifyPIN(ctx, cardio.PINSign, pin); err != nil {
			return err
		}
		der, err = j.ReadSignCert(ctx)
		return err
	})
	return der, err
}

func (c *CardService) ReadPatronCard(ctx context.Context, reader string) (string, error) {
	card, err := c.Src.Connect(ctx, reader)
	if err != nil {
		return "", err
	}
	defer card.Close()
	_, n, err := cardio.ReadPatronCard(ctx, card, c.Patron)
	if err == nil && n == "" {
		err = &ClerkError{Msg: "利用カードに番号がありません。利用カードをカードリーダーに置き直してください。"}
	}
	return n, err
}

func (c *CardService) Watch(ctx context.Context) (<-chan CardEvent, error) {
	in, err := c.Src.Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan CardEvent)
	go func() {
		defer close(out)
		for ev := range in {
			select {
			case out <- CardEvent{Reader: ev.Reader, Present: ev.Present}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// HandoffService implements Handoff with package handoff and package printing.
type HandoffService struct{}

func (HandoffService) Group(n string) string { return handoff.Group(n) }

func (HandoffService) BarcodeImage(n string, s mkpf.HandoffSettings, px int) (image.Image, string, error) {
	return handoff.BarcodeImage(n, s, px)
}

func (HandoffService) Type(ctx context.Context, text string, suffix Suffix, perKey time.Duration) error {
	t, err := handoff.NewTyper()
	if err != nil {
		return err
	}
	defer t.Close()
	if perKey == 0 {
		perKey = handoff.DefaultKeyDelay
	}
	return t.Type(ctx, text, handoff.Suffix(suffix), perKey)
}

func (HandoffService) PrintLabel(ctx context.Context, res *mkpf.LookupResult, printer, size string) (string, error) {
	if printer == "" {
		return "", &ClerkError{Msg: "ラベルを印刷するプリンタが設定されていません。メニューの「端末の設定」でプリンタを選んでください。"}
	}
	p, err := printing.Open(printer)
	if err != nil {
		return "", err
	}
	ls, err := printing.ParseLabelSize(size)
	if err != nil {
		return "", err
	}
	r, err := handoff.Deliver(ctx, res, mkpf.HandoffLabel, handoff.Options{Printer: p, LabelSize: ls})
	return r.JobID, err
}

func (HandoffService) Printers(ctx context.Context) ([]string, error) { return printing.List(ctx) }

func (HandoffService) LabelSizes() []string {
	var names []string
	for _, s := range printing.LabelSizes() {
		names = append(names, s.ID())
	}
	return names
}

// ClientSettings keeps Settings in the platform client's state file, preserving the fields other screens own.
type ClientSettings struct{ C *platformclient.Client }

func (s *ClientSettings) Load() Settings {
	cs, _ := s.C.Settings()
	out := Settings{Reader: cs.Reader, Printer: cs.Printer, LabelSize: cs.LabelSize, WedgeSuffix: Suffix(cs.WedgeSuffix),
		KeyDelay: time.Duration(cs.KeyDelayMS) * time.Millisecond, Language: cs.Language, ReceiptSize: cs.ReceiptSize,
		MergeFolder: cs.MergeFolder}
	if out.WedgeSuffix == "" {
		out.WedgeSuffix = SuffixEnter
	}
	if out.Language == "" {
		out.Language = "ja"
	}
	return out
}

func (s *ClientSettings) Save(n Settings) error {
	cs, err := s.C.Settings()
	if err != nil {
		return err
	}
	cs.Reader, cs.Printer, cs.LabelSize, cs.WedgeSuffix = n.Reader, n.Printer, n.LabelSize, string(n.WedgeSuffix)
	cs.KeyDelayMS, cs.Language = int(n.KeyDelay/time.Millisecond), n.Language
	cs.ReceiptSize, cs.MergeFolder = n.ReceiptSize, n.MergeFolder
	return s.C.SaveSettings(cs)
}

// Message is the Japanese clerk message for an error of any of the services.
func Message(err error) string {
	if err == nil {
		return ""
	}
	if m, ok := clerkMessage(err); ok {
		return m
	}
	var apiErr *mkpf.APIError
	var pcErr *platformclient.Error
	var hErr *handoff.Error
	var prErr *printing.Error
	var cErr *cardio.Error
	var wErr *cardio.WrongPINError
	switch {
	case errors.As(err, &apiErr), errors.As(err, &pcErr):
		return platformclient.Message(err)
	case errors.As(err, &wErr), errors.As(err, &cErr):
		return cardio.Message(err)
	case errors.As(err, &hErr):
		return hErr.Message
	case errors.As(err, &prErr):
		return prErr.Message
	case errors.Is(err, context.DeadlineExceeded):
		return "時間内に終わりませんでした。もう一度操作してください。"
	}
	return cardio.Message(err)
}
