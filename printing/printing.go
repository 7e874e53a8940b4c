package printing

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"strings"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Document is one page to print. Back ends that speak PDF (IPP, save as PDF) use PDF; raster back ends (ESC/POS,
// the Windows GDI spooler) use Image. Renderers fill both where they can.
type Document struct {
	Title             string
	PDF               []byte
	Image             image.Image // for raster back ends; its width is scaled to the paper width
	WidthMM, HeightMM float64     // the paper (label or receipt) size; 0 means the printer's default
}

// Printer is one destination for Documents.
type Printer interface {
	// Print submits doc and returns the spooler's job id ("" when the back end has none, e.g. a raw TCP port).
	Print(ctx context.Context, doc Document) (jobID string, err error)
	// Name is the spec the printer was opened with, for settings and messages.
	Name() string
}

var (
	// ErrUnknownSpec means a printer spec names no known back end.
	ErrUnknownSpec = errors.New("printing: unknown printer spec")
	// ErrNoContent means the Document lacks what the back end needs (PDF or Image).
	ErrNoContent = errors.New("printing: document has nothing this printer can print")
	// ErrUnsupported means the back end does not exist on this operating system.
	ErrUnsupported = errors.New("printing: printer type not supported on this system")
)

// Error is a printing failure with the clerk-facing Japanese message and its cause.
type Error = mkpf.ClerkError

func errf(cause error, format string, a ...any) error {
	return &Error{Message: fmt.Sprintf(format, a...), Err: cause}
}

// Open returns the printer a spec names (see the package doc for the forms). A bare name without a colon is a queue
// of the system's spooler: CUPS, or the Windows spooler on Windows.
func Open(spec string) (Printer, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case strings.HasPrefix(spec, "ipp://"), strings.HasPrefix(spec, "ipps://"), strings.HasPrefix(spec, "http://"):
		return newIPP(spec, spec, nil)
	case strings.HasPrefix(spec, "cups:"):
		q := strings.TrimPrefix(spec, "cups:")
		if q == "" {
			break
		}
		return newIPP(spec, cupsQueueURL(q), nil)
	case strings.HasPrefix(spec, "ql:cups:"):
		q := strings.TrimPrefix(spec, "ql:cups:")
		if q == "" {
			break
		}
		return newQL(spec, cupsQueueURL(q))
	case strings.HasPrefix(spec, "escpos:"):
		return newESCPOS(spec, strings.TrimPrefix(spec, "escpos:"))
	case strings.HasPrefix(spec, "pdf:"):
		p := strings.TrimPrefix(spec, "pdf:")
		if p == "" {
			break
		}
		return &pdfFile{spec: spec, path: p}, nil
	case strings.HasPrefix(spec, "windows:"):
		return openWindows(spec, strings.TrimPrefix(spec, "windows:"))
	case spec != "" && !strings.Contains(spec, ":"):
		// A bare printer name, as an administrator types it: the system's own spooler.
		if runtime.GOOS == "windows" {
			return openWindows(spec, spec)
		}
		return newIPP(spec, cupsQueueURL(spec), nil)
	}
	return nil, errf(fmt.Errorf("%w: %q", ErrUnknownSpec, spec),
		"プリンターの指定「%s」が正しくありません。設定画面でプリンターを選び直してください", spec)
}

// List returns the printers the operating system knows, as specs Open accepts: "cups:NAME" for CUPS queues (asked
// with CUPS-Get-Printers over IPP), "windows:NAME" for the Windows spooler (EnumPrinters).
func List(ctx context.Context) ([]string, error) { return listPrinters(ctx) }

// RawPrinter is a Printer that also takes bytes in its own language (ESC/POS printers: receipts with native
// barcodes and text, built with ESCPOS).
type RawPrinter interface {
	Printer
	Raw(ctx context.Context, title string, b []byte) (jobID string, err error)
}

// Waiter is a Printer that can tell when a job it accepted has finished (the IPP back ends).
type Waiter interface {
	Wait(ctx context.Context, jobID string) error
}

// WaitJob waits until the job has completed where the back end can tell (IPP); otherwise it returns nil at once.
func WaitJob(ctx context.Context, p Printer, jobID string) error {
	if w, ok := p.(Waiter); ok && jobID != "" {
		return w.Wait(ctx, jobID)
	}
	return nil
}
