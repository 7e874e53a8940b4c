package mkpf

// HandoffMode is how a terminal hands the card number to the issuer's system (screen 25/26, reference 27).
type HandoffMode string

const (
	HandoffNumber  HandoffMode = "number"  // A 番号通知方式（デフォルト）
	HandoffBarcode HandoffMode = "barcode" // B バーコード表示方式
	HandoffWedge   HandoffMode = "wedge"   // C ID自動引渡し方式
	HandoffLabel   HandoffMode = "label"   // D ラベル印刷方式
)

// LabelJA is the mode's name as screen 25 lists it.
func (m HandoffMode) LabelJA() string {
	switch m {
	case HandoffNumber:
		return "番号通知方式"
	case HandoffBarcode:
		return "バーコード表示方式"
	case HandoffWedge:
		return "ID自動引渡し方式"
	case HandoffLabel:
		return "ラベル印刷方式"
	}
	return string(m)
}

// Symbology is the barcode an issuer's scanners read.
type Symbology string

const (
	SymNW7     Symbology = "nw7" // NW-7 (Codabar), with start/stop characters A-D
	SymCode39  Symbology = "code39"
	SymCode128 Symbology = "code128"
)

// CheckDigitScheme is how an issuer computes the check character appended to the card number in its barcode.
type CheckDigitScheme string

const (
	CheckNone     CheckDigitScheme = "none"
	CheckMod10W21 CheckDigitScheme = "mod10w21" // modulus 10, weights 2-1 (Luhn style)
	CheckMod16    CheckDigitScheme = "mod16"    // NW-7 modulus 16
	Check7DR      CheckDigitScheme = "7dr"      // 7 check, divide-by-7 remainder
	Check7DSR     CheckDigitScheme = "7dsr"     // 7 check, 7 minus the remainder
)

// HandoffSettings are an ID issuer's hand-off settings, returned with every lookup so a terminal needs no local copy.
type HandoffSettings struct {
	Mode       HandoffMode      `json:"mode"`
	Symbology  Symbology        `json:"symbology,omitempty"`
	NW7Start   string           `json:"nw7_start,omitempty"` // A, B, C or D
	NW7Stop    string           `json:"nw7_stop,omitempty"`  // A, B, C or D
	CheckDigit CheckDigitScheme `json:"check_digit,omitempty"`
	// LabelTodayOnly prints 「本日限り有効」 on labels (seed 000: 当日のみ有効とする運用方法を検討中).
	LabelTodayOnly bool `json:"label_today_only,omitempty"`
}
