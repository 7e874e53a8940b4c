package terminal

import "time"

// Settings are the terminal-local settings (screen 「端末の設定」 and the CLI's defaults), kept as one record of the
// platform client's state file (platformclient.Client.LoadLocal/SaveLocal). The platform never sees them.
type Settings struct {
	Reader      string `json:"reader,omitempty"`       // PC/SC reader name; "" = the first reader holding a card
	Printer     string `json:"printer,omitempty"`      // printing.Open spec, e.g. "ipp://localhost:631/printers/label"
	LabelSize   string `json:"label_size,omitempty"`   // e.g. "62x29"
	WedgeSuffix string `json:"wedge_suffix,omitempty"` // after a wedged number: "enter", "tab" or "none"
	KeyDelayMS  int    `json:"key_delay_ms,omitempty"` // delay between wedged keystrokes
	Language    string `json:"language,omitempty"`     // "ja" (default) or "en"
	MergeFolder string `json:"merge_folder,omitempty"` // where merge files are written (screen 39); "" = data dir
	ReceiptSize string `json:"receipt_size,omitempty"` // "58mm", "80mm", "A6", "A4"
	// Extra holds settings of later features without a schema change.
	Extra map[string]string `json:"extra,omitempty"`
}

// LocalStore keeps the settings record (platformclient.Client).
type LocalStore interface {
	LoadLocal(v any) error
	SaveLocal(v any) error
}

// LoadSettings reads the terminal's settings (the zero value when none were saved).
func LoadSettings(st LocalStore) (Settings, error) {
	var s Settings
	err := st.LoadLocal(&s)
	return s, err
}

// SaveSettings stores the terminal's settings.
func SaveSettings(st LocalStore, s Settings) error { return st.SaveLocal(s) }

// KeyDelay is the wedge's pause between keys.
func (s Settings) KeyDelay() time.Duration { return time.Duration(s.KeyDelayMS) * time.Millisecond }
