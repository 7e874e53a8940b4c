package platformclient

import (
	"encoding/json"

	"go.etcd.io/bbolt"
)

// Settings are the terminal-local settings (one record in the state file): what the clerk or the IT admin chose on
// this PC. The platform never sees them.
type Settings struct {
	Reader      string `json:"reader,omitempty"`       // PC/SC reader name; "" = the first reader holding a card
	Printer     string `json:"printer,omitempty"`      // printing.Open spec, e.g. "ipp://localhost:631/printers/label"
	LabelSize   string `json:"label_size,omitempty"`   // e.g. "62x29"
	WedgeSuffix string `json:"wedge_suffix,omitempty"` // after a wedged number: "enter", "tab" or "none"
	KeyDelayMS  int    `json:"key_delay_ms,omitempty"` // delay between wedged keystrokes
	Language    string `json:"language,omitempty"`     // "ja" (default) or "en"
	MergeFolder string `json:"merge_folder,omitempty"` // where merge files are written (screen 39)
	ReceiptSize string `json:"receipt_size,omitempty"` // "58mm", "80mm", "A4"
	// Extra holds settings of later features without a schema change.
	Extra map[string]string `json:"extra,omitempty"`
}

// Settings reads the terminal-local settings (zero value when none were saved).
func (c *Client) Settings() (Settings, error) {
	var s Settings
	err := c.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bSettings).Get([]byte("settings")); v != nil {
			return json.Unmarshal(v, &s)
		}
		return nil
	})
	if err != nil {
		return s, &Error{Op: "settings", Message: MsgLocalState, Err: err}
	}
	return s, nil
}

// SaveSettings stores the terminal-local settings (durably, before it returns).
func (c *Client) SaveSettings(s Settings) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	err = c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bSettings).Put([]byte("settings"), raw) })
	if err != nil {
		return &Error{Op: "settings", Message: MsgLocalState, Err: err}
	}
	return nil
}
