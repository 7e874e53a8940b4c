//go:build demo

package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// DemoIssuer is the demo library whose hand-off mode the demo panel switches (川崎市立図書館).
const DemoIssuer = "000001"

// DemoEnv is demo mode's world: the reference platform embedded on 127.0.0.1 with a temporary database and the demo
// data, and the card source (a real PC/SC reader when one is connected, else the virtual cards).
type DemoEnv struct {
	URL     string
	Server  *platform.Server
	Dir     string // temporary: the platform database and the terminal's state
	Source  cardio.Source
	Virtual *vcard.Source // nil when a real reader is used
	http    *http.Server
}

// StartDemo starts the embedded platform and picks the card source.
func StartDemo(ctx context.Context) (*DemoEnv, error) {
	dir, err := os.MkdirTemp("", "mykeyterm-demo-")
	if err != nil {
		return nil, err
	}
	srv, err := platform.Open(filepath.Join(dir, "platform.db"), platform.Options{})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := srv.SeedDemo(); err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	e := &DemoEnv{URL: "http://" + ln.Addr().String(), Server: srv, Dir: dir,
		http: &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	go e.http.Serve(ln)

	e.Source = e.pickSource(ctx)
	return e, nil
}

// pickSource uses a real PC/SC reader when one is connected (vpcd's virtual readers do not count), else the in-process
// virtual cards of the demo panel. MYKEYTERM_DEMO_READER=virtual forces the virtual cards, =pcsc forces PC/SC (the
// Xvfb tests insert their cards through pcscd + vpcd).
func (e *DemoEnv) pickSource(ctx context.Context) cardio.Source {
	force := os.Getenv("MYKEYTERM_DEMO_READER")
	if force != "virtual" {
		if p, err := cardio.NewPCSC(); err == nil {
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			rs, err := p.Readers(c)
			cancel()
			real := 0
			for _, r := range rs {
				if !strings.HasPrefix(r, "Virtual PCD") { // vsmartcard's vpcd: the test harness, not a reader on the desk
					real++
				}
			}
			if force == "pcsc" || (err == nil && real > 0) {
				return p
			}
		}
	}
	e.Virtual = vcard.NewSource()
	return e.Virtual
}

// SetMode switches the demo library's hand-off mode on the embedded platform.
func (e *DemoEnv) SetMode(m mkpf.HandoffMode) error { return e.Server.SetHandoffMode(DemoIssuer, m) }

// Mode is the demo library's current hand-off mode.
func (e *DemoEnv) Mode() mkpf.HandoffMode {
	is, err := e.Server.Issuer(DemoIssuer)
	if err != nil || is == nil {
		return ""
	}
	return is.Handoff.Mode
}

// Prepare makes the terminal ready for the counter (tests, screenshots, quick demos): it enrolls the demo roster
// terminal terminalID ("" = the library terminal 00052489) and registers its contact, so the app opens at the menu
// (screen 22) instead of screen 9.
func (e *DemoEnv) Prepare(ctx context.Context, c Platform, terminalID string) error {
	if terminalID == "" {
		terminalID = "00052489"
	}
	dt, ok := platform.DemoTerminalByID(terminalID)
	if !ok {
		return fmt.Errorf("demo: %s is not a terminal of the demo roster", terminalID)
	}
	if !c.Enrolled() {
		if _, err := c.Enroll(ctx, e.URL, dt.ID, dt.Password); err != nil {
			return err
		}
	}
	if c.Terminal().ContactDone {
		return nil
	}
	return c.SetContact(ctx, mkpf.Contact{Location: dt.Location, Name: "カウンター" + dt.ID[4:], IssuerID: dt.IssuerID,
		Person: "川崎花子", Organization: "川崎市", PostalCode: "210-0011", Address: "神奈川県川崎市川崎区富士見2-1-4",
		Phone: "044-233-6341", Email: "counter@example.jp", EmailConfirm: "counter@example.jp"})
}

// Close stops the platform and removes the temporary directory.
func (e *DemoEnv) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e.http.Shutdown(ctx)
	e.Server.Close()
	os.RemoveAll(e.Dir)
}

// virtualSlot adapts vcard.Source to the demo panel.
type virtualSlot struct{ s *vcard.Source }

func (v virtualSlot) Insert(p string) error { _, err := v.s.Insert(p); return err }
func (v virtualSlot) Remove() error         { v.s.Remove(); return nil }

// Panel is the demo side panel for this environment.
func (e *DemoEnv) Panel() Demo {
	d := Demo{SetMode: e.SetMode, Mode: e.Mode()}
	if e.Virtual != nil {
		d.Cards = virtualSlot{e.Virtual}
		d.Profiles = demopki.Profiles()
	}
	return d
}

func (e *DemoEnv) String() string { return fmt.Sprintf("demo platform %s (db in %s)", e.URL, e.Dir) }
