package terminal

import (
	"context"
	"strings"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The voucher flows after the issue, once for the GUI and the CLI: reading a voucher to clear it (screen 35
// [ポイント券情報読取], `voucher show`), clearing it (screen 35 [消込処理] → 36, `voucher clear`) and reissuing it
// (screen 34 [再発行], `voucher reissue`). The screens only render what these return.

// VoucherReader looks a voucher up by its QR text or 発券番号 (platformclient.Client).
type VoucherReader interface {
	ShowVoucher(ctx context.Context, code string) (*mkpf.Voucher, error)
}

// ErrNoVoucherCode: the clearing field was empty.
var ErrNoVoucherCode = &InputError{Key: "screen35.code.empty", Format: "QRコードを読み取るか、発券番号を入力してください。"}

// VoucherCode checks what the clearing field received before anything is sent: text is what a QR reader typed or the
// clerk's 発券番号 (with or without the hyphen). An empty field is ErrNoVoucherCode, a malformed text an
// *mkpf.VoucherError. code is what identifies the voucher to the platform: the normalised QR text, or the 8 digits.
func VoucherCode(text string) (code string, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", ErrNoVoucherCode
	}
	in, err := mkpf.ParseVoucherInput(text)
	if err != nil {
		return "", err
	}
	if in.QR != nil {
		return in.Text, nil
	}
	return in.Number, nil
}

// ReadVoucher is screen 35 [ポイント券情報読取] and `voucher show`: VoucherCode, then the voucher as the platform has it.
// code is the one ClearVoucher takes.
func ReadVoucher(ctx context.Context, c VoucherReader, text string) (v *mkpf.Voucher, code string, err error) {
	if code, err = VoucherCode(text); err != nil {
		return nil, "", err
	}
	if v, err = c.ShowVoucher(ctx, code); err != nil {
		return nil, "", err
	}
	return v, code, nil
}

// Clearable reports whether v may be cleared: only an outstanding voucher (not a cleared or a lapsed one).
func Clearable(v *mkpf.Voucher) bool { return v != nil && v.State == mkpf.VoucherOutstanding }

// VoucherClearer clears a voucher (platformclient.Client).
type VoucherClearer interface {
	ClearVoucher(ctx context.Context, code, key string) (*mkpf.Voucher, error)
}

// ClearVoucher is screen 35 [消込処理] and `voucher clear`: code from ReadVoucher (or the CLI's argument), key the
// idempotency key of this voucher's clearing (the same for every press, so a retry after a lost answer clears once).
// printIt, when not nil, prints the clearing receipt at once (the CLI's --print; the GUI prints it from screen 36): a
// print failure keeps the clearing, printErr is set and err is nil.
func ClearVoucher(ctx context.Context, c VoucherClearer, code, key string,
	printIt func(ctx context.Context, v *mkpf.Voucher) error) (v *mkpf.Voucher, printErr, err error) {
	if v, err = c.ClearVoucher(ctx, code, key); err != nil {
		return nil, nil, err
	}
	if printIt != nil {
		printErr = printIt(ctx, v)
	}
	return v, printErr, nil
}

// SafeToPressAgain reports whether the same confirmation (same request, same idempotency key) may be pressed again
// after err: the outcome is unknown (a transport failure) or the platform asked to wait (throttled). A definitive
// refusal is not retried with the same key.
func SafeToPressAgain(err error) bool {
	return err != nil && (IsTransport(err) || APICode(err) == mkpf.CodeThrottled)
}

// VoucherReissuer reissues a voucher (platformclient.Client).
type VoucherReissuer interface {
	ReissueVoucher(ctx context.Context, code, key string) (*mkpf.Voucher, error)
}

// ReissueVoucher is screen 34 [再発行] and `voucher reissue`: the same voucher (same number, no points taken again),
// printed once more. With no printer (printIt nil) nothing is asked of the platform (ErrNoPrinter). A print failure
// keeps the reissue: printErr is set, err is nil, and the clerk reissues again.
func ReissueVoucher(ctx context.Context, c VoucherReissuer, number, key string,
	printIt func(ctx context.Context, v *mkpf.Voucher) error) (v *mkpf.Voucher, printErr, err error) {
	if printIt == nil {
		return nil, nil, ErrNoPrinter
	}
	if v, err = c.ReissueVoucher(ctx, number, key); err != nil {
		return nil, nil, err
	}
	return v, printIt(ctx, v), nil
}

// PointMerger merges points into the shop's point system and delivers the encrypted merge file into the terminal's
// merge folder, returning the file's path (the GUI's points service; IntoFolder for a platformclient.Client).
type PointMerger interface {
	Merge(ctx context.Context, req mkpf.MergeRequest, key string) (*mkpf.MergeResult, string, error)
}

// FolderMerger is platformclient.Client's merge: folder "" is the terminal's default merge folder.
type FolderMerger interface {
	Merge(ctx context.Context, req mkpf.MergeRequest, key, folder string) (*mkpf.MergeResult, string, error)
}

// IntoFolder is a PointMerger that delivers the file into Folder (the settings' MergeFolder).
type IntoFolder struct {
	C      FolderMerger
	Folder string
}

// Merge implements PointMerger.
func (m IntoFolder) Merge(ctx context.Context, req mkpf.MergeRequest, key string) (*mkpf.MergeResult, string, error) {
	return m.C.Merge(ctx, req, key, m.Folder)
}

// ErrNoMergePoints: a merge of no points is refused before anything is sent.
var ErrNoMergePoints = &InputError{Key: "terminal.merge.nopoints", Format: "合算するポイント数（1以上）を指定してください。"}

// MergePoints is screen 38 [合算] and `merge`: the points leave the balance once (key is the confirmation's
// idempotency key), and path is where the encrypted merge file was written (screen 39 shows it). A file that could not
// be written keeps the merge pending in the client's journal: pressing [合算] again with the same key delivers it
// without moving the points twice.
func MergePoints(ctx context.Context, c PointMerger, req mkpf.MergeRequest, key string) (res *mkpf.MergeResult, path string, err error) {
	if req.Points <= 0 {
		return nil, "", ErrNoMergePoints
	}
	return c.Merge(ctx, req, key)
}
