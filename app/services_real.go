package app

import (
	"context"
	"image"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/printing"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// This file satisfies the screens' interfaces with the real packages.

// RealServices wires the screens to a card source (PC/SC or the demo's virtual cards), the platform client and the
// terminal layer (package terminal: the flows, the hand-off, the receipts).
func RealServices(src cardio.Source, client *platformclient.Client, patron *cardio.FeliCaProfile) *Services {
	settings := &ClientSettings{C: client}
	return &Services{
		Cards:       &CardService{Cards: terminal.Cards{Src: src, Patron: patron}},
		Platform:    client,
		Handoff:     HandoffService{},
		Settings:    settings,
		Message:     Message,
		PlatformURL: client.PlatformURL(),
		Points:      &pointsClient{Client: client, settings: settings},
		Grant:       NewGrantService(client, src),
	}
}

// CardService implements Cards with the terminal layer's card sessions (terminal.Cards) and the reader's events.
type CardService struct {
	terminal.Cards
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

// pointsClient is the points half of the platform client plus the terminal layer's receipts, on the terminal's paper.
type pointsClient struct {
	*platformclient.Client
	settings SettingsStore
}

func (p *pointsClient) receipts() terminal.Receipts {
	return terminal.Receipts{Paper: p.settings.Load().ReceiptSize, Terminal: p.Terminal()}
}

// Merge delivers the merge file into the terminal's merge folder (settings; "" = the data directory's).
func (p *pointsClient) Merge(ctx context.Context, req mkpf.MergeRequest, key string) (*mkpf.MergeResult, string, error) {
	return p.Client.Merge(ctx, req, key, p.settings.Load().MergeFolder)
}

func (p *pointsClient) PrintUseReceipt(ctx context.Context, printer string, res *mkpf.UseResult) error {
	return p.receipts().PrintUseReceipt(ctx, printer, res)
}

func (p *pointsClient) PrintClearReceipt(ctx context.Context, printer string, v *mkpf.Voucher) error {
	return p.receipts().PrintClearReceipt(ctx, printer, v)
}

func (p *pointsClient) PrintVoucher(ctx context.Context, printer string, v *mkpf.Voucher) error {
	return p.receipts().PrintVoucher(ctx, printer, v)
}

// HandoffService implements Handoff with package handoff and package printing.
type HandoffService struct{}

func (HandoffService) Group(n string) string { return handoff.Group(n) }

func (HandoffService) BarcodeImage(n string, s mkpf.HandoffSettings, px int) (image.Image, string, error) {
	r, err := terminal.HandOff(context.Background(), &mkpf.LookupResult{CardNumber: n, Handoff: s}, mkpf.HandoffBarcode,
		terminal.HandoffOptions{PxPerModule: px})
	return r.Barcode, r.BarcodeText, err
}

func (HandoffService) Type(ctx context.Context, text string, suffix Suffix, perKey time.Duration) error {
	_, err := terminal.HandOff(ctx, &mkpf.LookupResult{CardNumber: text}, mkpf.HandoffWedge,
		terminal.HandoffOptions{Suffix: handoff.Suffix(suffix), KeyDelay: perKey,
			// the clerk's click into the library system must be done (its field focused, for a moment) before the
			// first key: keys sent while Windows is still activating it are lost
			BeforeTyping: handoff.WaitFocusSettled})
	return err
}

func (HandoffService) PrintLabel(ctx context.Context, res *mkpf.LookupResult, printer, size string) (string, error) {
	r, err := terminal.HandOff(ctx, res, mkpf.HandoffLabel, terminal.HandoffOptions{Printer: printer, LabelSize: size})
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
	cs, _ := terminal.LoadSettings(s.C)
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
	cs, err := terminal.LoadSettings(s.C)
	if err != nil {
		return err
	}
	cs.Reader, cs.Printer, cs.LabelSize, cs.WedgeSuffix = n.Reader, n.Printer, n.LabelSize, string(n.WedgeSuffix)
	cs.KeyDelayMS, cs.Language = int(n.KeyDelay/time.Millisecond), n.Language
	cs.ReceiptSize, cs.MergeFolder = n.ReceiptSize, n.MergeFolder
	return terminal.SaveSettings(s.C, cs)
}

// Message is the Japanese clerk message for an error of any of the services (terminal.Message).
func Message(err error) string {
	if m, ok := clerkMessage(err); ok {
		return m
	}
	return terminal.Message(err)
}
