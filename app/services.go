package app

import (
	"context"
	"image"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The screens are thin views: everything they do goes through the narrow interfaces below. main.go satisfies them
// with the real packages (cardio, platformclient, handoff, printing; see services_real.go); the fast Fyne `test`
// flows use the in-process fakes in fakes_test.go.

// Cards is what the screens need from the card reader (package cardio). reader "" means the reader chosen in the
// settings, or the first reader holding a card.
type Cards interface {
	Readers(ctx context.Context) ([]string, error)
	// ReadAuthCert reads the user-authentication certificate (DER) of the My Number Card: no PIN, My Number never read.
	ReadAuthCert(ctx context.Context, reader string) ([]byte, error)
	// SignPINTries reports the signing PIN's remaining tries without spending one.
	SignPINTries(ctx context.Context, reader string) (int, error)
	// ReadSignCert verifies the signing PIN once (never retried) and reads the signing certificate (DER).
	ReadSignCert(ctx context.Context, reader, pin string) ([]byte, error)
	// ReadPatronCard reads the library card number from the patron's own FeliCa card (screen 23 [読取]).
	ReadPatronCard(ctx context.Context, reader string) (string, error)
	// Watch reports card insertions and removals until ctx ends (continuous lookup on screen 25).
	Watch(ctx context.Context) (<-chan CardEvent, error)
}

// CardEvent is a card put on or taken off a reader.
type CardEvent struct {
	Reader  string
	Present bool
}

// Platform is the terminal's side of the MyKey Platform API (package platformclient).
type Platform interface {
	Enrolled() bool
	Terminal() mkpf.TerminalInfo
	Enroll(ctx context.Context, platformURL, terminalID, password string) (*mkpf.TerminalInfo, error)
	Issuers(ctx context.Context) ([]mkpf.Issuer, error)
	SetContact(ctx context.Context, c mkpf.Contact) error
	Contact(ctx context.Context) (*mkpf.Contact, error)
	Lookup(ctx context.Context, authCertDER []byte) (*mkpf.LookupResult, error)
	RegisterServiceID(ctx context.Context, r mkpf.RegisterRequest) (*mkpf.RegisterResult, error)
}

// Handoff hands a looked-up card number to the library system in the issuer's mode (package handoff + printing).
type Handoff interface {
	// Group splits the number for reading aloud ("1800 0000 0011").
	Group(number string) string
	// BarcodeImage draws the barcode with at least pxPerModule pixels per narrow module; text is what it encodes.
	BarcodeImage(number string, s mkpf.HandoffSettings, pxPerModule int) (img image.Image, text string, err error)
	// Type types text plus the suffix into the window that has the keyboard focus (not this app's).
	Type(ctx context.Context, text string, suffix Suffix, perKey time.Duration) error
	// PrintLabel prints the label of a lookup on printer (a printing.Open spec) at the named label size.
	PrintLabel(ctx context.Context, res *mkpf.LookupResult, printer, labelSize string) (jobID string, err error)
	// Printers lists the printers the OS knows; LabelSizes the label sizes the label printer code supports.
	Printers(ctx context.Context) ([]string, error)
	LabelSizes() []string
}

// Suffix is what the keyboard wedge types after the number.
type Suffix string

const (
	SuffixEnter Suffix = "enter"
	SuffixTab   Suffix = "tab"
	SuffixNone  Suffix = "none"
)

// Settings are the terminal administrator's settings (screen 「端末の設定」), kept in the terminal's store.
type Settings struct {
	Reader      string        // "" = the first reader holding a card
	Printer     string        // printing.Open spec, e.g. "cups:PDF"
	LabelSize   string        // e.g. "62x29"
	WedgeSuffix Suffix        // Enter (default), Tab or none
	KeyDelay    time.Duration // pause between typed keys; some library systems drop fast keystrokes
	Language    string        // "ja" (default) or "en"; applied at the next start
	ReceiptSize string        // points receipts and vouchers: "58mm", "80mm", "A6" or "A4"
	MergeFolder string        // where screen 39 writes the merge file for the shop's point system
}

// SettingsStore loads and saves Settings.
type SettingsStore interface {
	Load() Settings
	Save(Settings) error
}

// Services is everything the screens use. Points is for the points screens (2, 28-39, 87) built on this navigation.
type Services struct {
	Cards    Cards
	Platform Platform
	Handoff  Handoff
	Settings SettingsStore
	// Message turns any service error into the Japanese sentence shown to the clerk (what happened, what to do).
	Message func(error) string
	// PlatformURL is the platform the terminal enrolls with (screen 9); fixed in demo mode.
	PlatformURL string
	// Points is the points half of the platform client for screens 2, 28-39 and 87 (points.go); nil when unused.
	Points PointsService
	// Grant is for the grant screens (64-66, 71-79; grant_service.go); nil when unused.
	Grant *GrantService
	// Phone lays the app out for a grant phone (portrait, about 390×844): it opens at screen 77.
	Phone bool
	// Demo is set in demo mode: screen 9 shows the demo roster's terminal IDs as a hint.
	Demo bool
	// ReaderState describes the reader for the status line ("カードリーダー: …").
	ReaderState func() string
}
