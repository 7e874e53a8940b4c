package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
)

// The real PC/SC stack: pcscd with the vsmartcard-vpcd driver (two readers fed over TCP by virtual cards).
const (
	pcscdSocket = "/run/pcscd/pcscd.comm"
	vpcdConf    = "/etc/reader.conf.d/vpcd"
	pcscdHint   = "apt-get install pcscd vsmartcard-vpcd (or run scripts/install-deps.sh as root)"
)

// PCSCEnv is a running pcscd with vpcd, held by one test at a time (the vpcd slots are global).
type PCSCEnv struct{}

// VPCDReader is the name pcscd gives vpcd's slot (0 or 1).
func VPCDReader(slot int) string { return fmt.Sprintf("Virtual PCD 00 %02d", slot) }

var startPCSCD sync.Mutex

// PCSCD makes sure pcscd is running with the vpcd driver, starting `pcscd -f` (as root) if its socket is absent,
// and takes the vpcd lock until t's cleanup. A missing pcscd or vpcd fails the test with what to install. A pcscd
// started here keeps running after the test (later tests and processes reuse it).
func PCSCD(t testing.TB) *PCSCEnv {
	t.Helper()
	if _, err := exec.LookPath("pcscd"); err != nil {
		if _, err := os.Stat("/usr/sbin/pcscd"); err != nil {
			t.Fatalf("testenv: pcscd not installed: %s", pcscdHint)
		}
	}
	if _, err := os.Stat(vpcdConf); err != nil {
		t.Fatalf("testenv: vpcd reader config %s missing: %s", vpcdConf, pcscdHint)
	}
	Lock(t, "vpcd")
	startPCSCD.Lock()
	defer startPCSCD.Unlock()
	if _, err := os.Stat(pcscdSocket); err == nil {
		if pcscdAlive() {
			if err := waitReaders(10 * time.Second); err != nil {
				t.Fatalf("testenv: pcscd is running but the vpcd readers are missing (%v): restart pcscd after installing vsmartcard-vpcd; %s", err, pcscdHint)
			}
			return &PCSCEnv{}
		}
		os.Remove(pcscdSocket) // left by a pcscd that died
	}
	bin := "/usr/sbin/pcscd"
	if p, err := exec.LookPath("pcscd"); err == nil {
		bin = p
	}
	cmd := exec.Command(bin, "-f")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start pcscd (needs root): %v; %s", err, pcscdHint)
	}
	go cmd.Wait()
	if err := waitReaders(10 * time.Second); err != nil {
		t.Fatalf("testenv: pcscd started but the vpcd readers did not appear: %v; %s", err, pcscdHint)
	}
	return &PCSCEnv{}
}

// pcscdAlive reports whether a pcscd answers on its socket: a connection is accepted and a PC/SC context can be
// established through it. A pid file or a process name says nothing about that (a pcscd being torn down, a pid
// reused by another process, a pcscd of another container).
func pcscdAlive() bool {
	if !socketAnswers(pcscdSocket) {
		return false
	}
	ctx, err := scard.EstablishContext()
	if err != nil {
		return false
	}
	ctx.Release()
	return true
}

// socketAnswers reports whether a process accepts connections on the unix socket at path.
func socketAnswers(path string) bool {
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// waitReaders waits until pcscd lists both vpcd readers.
func waitReaders(d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	for {
		last = func() error {
			ctx, err := scard.EstablishContext()
			if err != nil {
				return err
			}
			defer ctx.Release()
			readers, err := ctx.ListReaders()
			if err != nil {
				return err
			}
			have := map[string]bool{}
			for _, r := range readers {
				have[r] = true
			}
			if !have[VPCDReader(0)] || !have[VPCDReader(1)] {
				return fmt.Errorf("readers %q", readers)
			}
			return nil
		}()
		if last == nil || time.Now().After(deadline) {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Reader is the pcscd reader name of vpcd's slot.
func (p *PCSCEnv) Reader(slot int) string { return VPCDReader(slot) }

// InsertVirtual inserts a fresh virtual card of the demopki profile into vpcd's slot (0 or 1), serving it from this
// process, and waits until pcscd reports the card present. remove takes it out and waits until pcscd sees the slot
// empty; it also runs at cleanup. Selecting a My Number AP on the card fails the test.
func (p *PCSCEnv) InsertVirtual(t testing.TB, profile string, slot int) (remove func()) {
	t.Helper()
	c, err := vcard.New(profile)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return p.InsertCard(t, c, slot)
}

// InsertCard is InsertVirtual for a card set up by the test (faults, logging, alarm hook). If the card drops itself
// (DropAt), the slot becomes empty; insert a new card to re-insert.
func (p *PCSCEnv) InsertCard(t testing.TB, c *vcard.Card, slot int) (remove func()) {
	t.Helper()
	if slot < 0 || slot > 1 {
		t.Fatalf("testenv: vpcd has slots 0 and 1, not %d", slot)
	}
	reader := VPCDReader(slot)
	if present, err := cardPresent(reader, 0); err != nil {
		t.Fatalf("testenv: %v", err)
	} else if present {
		if ok, _ := cardAbsentWithin(reader, 2*time.Second); !ok {
			t.Fatalf("testenv: a card is already in %q (a `vcard insert` still running?)", reader)
		}
	}
	if c.OnAlarm == nil {
		name := c.Profile().Name
		c.OnAlarm = func(aid []byte) { t.Errorf("testenv: My Number AP % X selected on virtual card %s", aid, name) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.ServeVPCD(ctx, vcard.VPCDAddr(slot), nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		present, err := cardPresent(reader, 200*time.Millisecond)
		if err == nil && present {
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("testenv: virtual card %s in slot %d ended: %v", c.Profile().Name, slot, err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("testenv: pcscd did not see the virtual card in %q within 10 s (%v)", reader, err)
		}
	}
	var once sync.Once
	remove = func() {
		once.Do(func() {
			cancel()
			c.Remove()
			<-done
			cardAbsentWithin(reader, 5*time.Second)
		})
	}
	t.Cleanup(remove)
	return remove
}

// cardPresent asks pcscd whether reader holds a card, waiting up to wait for a change.
func cardPresent(reader string, wait time.Duration) (bool, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return false, fmt.Errorf("pcscd: %w; %s", err, pcscdHint)
	}
	defer ctx.Release()
	rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	if err := ctx.GetStatusChange(rs, 0); err != nil {
		return false, err
	}
	if rs[0].EventState&scard.StatePresent == 0 && wait > 0 {
		rs[0].CurrentState = rs[0].EventState &^ scard.StateChanged
		if err := ctx.GetStatusChange(rs, wait); err != nil && !errors.Is(err, scard.ErrTimeout) {
			return false, err
		}
	}
	return rs[0].EventState&scard.StatePresent != 0, nil
}

func cardAbsentWithin(reader string, d time.Duration) (bool, error) {
	deadline := time.Now().Add(d)
	for {
		present, err := cardPresent(reader, 0)
		if err != nil {
			return false, err
		}
		if !present {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}
