package platformclient

import (
	"encoding/json"

	"go.etcd.io/bbolt"
)

// The terminal-local settings (what the clerk or the IT admin chose on this PC; the platform never sees them) are one
// record of the state file. The client stores the record and does not know its fields: the terminal layer owns them
// (terminal.Settings).

// LoadLocal reads the terminal-local settings record into v (a pointer); v is left as it is when none was saved.
func (c *Client) LoadLocal(v any) error {
	err := c.db.View(func(tx *bbolt.Tx) error {
		if raw := tx.Bucket(bSettings).Get([]byte("settings")); raw != nil {
			return json.Unmarshal(raw, v)
		}
		return nil
	})
	if err != nil {
		return &Error{Op: "settings", Message: MsgLocalState, Err: err}
	}
	return nil
}

// SaveLocal stores v as the terminal-local settings record (durably, before it returns).
func (c *Client) SaveLocal(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	err = c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bSettings).Put([]byte("settings"), raw) })
	if err != nil {
		return &Error{Op: "settings", Message: MsgLocalState, Err: err}
	}
	return nil
}
