package platform

// Administrator operations on a terminal: reset (new device, new password), disable/enable, set-password and the
// issuer of a service-ID terminal. Each bumps the terminal's token generation where it must end its sessions.

import (
	"errors"
	"fmt"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// updateTerminal runs f on a terminal's record and stores it.
func (s *Server) updateTerminal(id string, f func(tx kv.Tx, t *terminalRec) error) error {
	return s.db.Update(func(tx kv.Tx) error {
		t, err := getTerminal(tx, id)
		if err != nil {
			return err
		}
		if t == nil {
			return fmt.Errorf("terminal %s not found", id)
		}
		if err := f(tx, t); err != nil {
			return err
		}
		return kv.PutJSON(tx.Bucket(bTerminals), id, t)
	})
}

// ResetTerminal unbinds a terminal from its device (key and fingerprint) so it can be enrolled again, e.g. after a
// PC replacement, and gives it a new random password, returned here once (the old one, possibly on the lost PC's
// paper, no longer works). Its contact data stay; its tokens and points sessions end at once.
func (s *Server) ResetTerminal(id string) (string, error) {
	pw := randomString(passwordAlphabet, 9)
	hash := s.HashPassword(pw)
	err := s.updateTerminal(id, func(_ kv.Tx, t *terminalRec) error {
		t.DeviceKey, t.Fingerprint, t.EnrolledAt = nil, nil, time.Time{}
		t.PasswordHash = hash
		t.TokenGen++
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := s.resetThrottle("enroll/id:"+id, "login/id:"+id); err != nil {
		return "", fmt.Errorf("the terminal was reset but its login throttle was not cleared (reset it again): %w", err)
	}
	return pw, nil
}

// SetTerminalPassword sets a terminal's password (at least 6 characters) and ends its tokens and points sessions.
func (s *Server) SetTerminalPassword(id, password string) error {
	if len(password) < 6 {
		return errors.New("terminal password must have at least 6 characters")
	}
	hash := s.HashPassword(password)
	err := s.updateTerminal(id, func(_ kv.Tx, t *terminalRec) error {
		t.PasswordHash = hash
		t.TokenGen++
		return nil
	})
	if err == nil {
		err = s.resetThrottle("enroll/id:"+id, "login/id:"+id)
	}
	return err
}

// SetTerminalDisabled disables a terminal (no token, no enrollment, no login; its tokens end at once) or enables it
// again. A lost or stolen PC is disabled first and reset when its replacement arrives.
func (s *Server) SetTerminalDisabled(id string, disabled bool) error {
	return s.updateTerminal(id, func(_ kv.Tx, t *terminalRec) error {
		if t.Disabled != disabled {
			t.Disabled = disabled
			t.TokenGen++
		}
		return nil
	})
}

// SetTerminalIssuer fixes the ID issuer of a service-ID terminal (the terminal itself cannot choose it: screen 10
// shows it without a choice). The issuer must belong to the terminal's municipality.
func (s *Server) SetTerminalIssuer(id, issuerID string) error {
	return s.updateTerminal(id, func(tx kv.Tx, t *terminalRec) error {
		if t.Kind != mkpf.KindServiceID {
			return errors.New("an issuer applies to service_id terminals only")
		}
		is, err := getIssuer(tx, issuerID)
		if err != nil {
			return err
		}
		if is == nil || is.MunicipalityCode != t.Municipality {
			return fmt.Errorf("issuer %q is not an issuer of municipality %s", issuerID, t.Municipality)
		}
		t.IssuerID = issuerID
		if t.Contact != nil {
			t.Contact.IssuerID = issuerID
		}
		return nil
	})
}
