package terminal

import (
	"context"
	"errors"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// voucherDesk is an in-process stand-in for the platform's voucher and merge calls: it counts what was asked of it.
type voucherDesk struct {
	shown, cleared, reissued, merged []string
	err                              error
}

func (d *voucherDesk) ShowVoucher(_ context.Context, code string) (*mkpf.Voucher, error) {
	d.shown = append(d.shown, code)
	return &mkpf.Voucher{Number: "98765432", State: mkpf.VoucherOutstanding}, d.err
}

func (d *voucherDesk) ClearVoucher(_ context.Context, code, key string) (*mkpf.Voucher, error) {
	d.cleared = append(d.cleared, code+"/"+key)
	if d.err != nil {
		return nil, d.err
	}
	return &mkpf.Voucher{Number: "98765432", State: mkpf.VoucherCleared}, nil
}

func (d *voucherDesk) ReissueVoucher(_ context.Context, code, key string) (*mkpf.Voucher, error) {
	d.reissued = append(d.reissued, code)
	return &mkpf.Voucher{Number: code, Reissued: true}, d.err
}

func (d *voucherDesk) Merge(_ context.Context, req mkpf.MergeRequest, key, folder string) (*mkpf.MergeResult, string, error) {
	d.merged = append(d.merged, key+"@"+folder)
	return &mkpf.MergeResult{Points: req.Points}, folder + "/m.dat", d.err
}

// Screen 35's field is checked before anything is sent: nothing reaches the platform for an empty or malformed code,
// and a typed number goes as its 8 digits.
func TestScreen35_ReadVoucher_ChecksTheCodeBeforeTheCall(t *testing.T) {
	ctx := context.Background()
	d := &voucherDesk{}
	for _, bad := range []string{"", "  ", "9876-543", "MKV-ABC"} {
		if _, _, err := ReadVoucher(ctx, d, bad); err == nil || Message(err) == "" {
			t.Errorf("%q: err %v (message %q)", bad, err, Message(err))
		}
	}
	if _, _, err := ReadVoucher(ctx, d, ""); err != ErrNoVoucherCode {
		t.Errorf("empty field: %v, want ErrNoVoucherCode", err)
	}
	if len(d.shown) != 0 {
		t.Fatalf("a bad code reached the platform: %v", d.shown)
	}
	v, code, err := ReadVoucher(ctx, d, " ９８７６－５４３２ ")
	if err != nil || code != "98765432" || len(d.shown) != 1 || d.shown[0] != "98765432" || !Clearable(v) {
		t.Fatalf("typed number: v %+v code %q err %v shown %v", v, code, err, d.shown)
	}
	for _, st := range []mkpf.VoucherState{mkpf.VoucherCleared, mkpf.VoucherLapsed} {
		if Clearable(&mkpf.Voucher{State: st}) {
			t.Errorf("a %s voucher is clearable", st)
		}
	}
}

// Screen 35 [消込処理] and `voucher clear`: the clearing goes once with the caller's key; a receipt that cannot be
// printed keeps the clearing; a refused clearing prints nothing. Pressing again is offered only when the outcome is
// unknown.
func TestScreen35_ClearVoucher_ReceiptFailureKeepsTheClearing(t *testing.T) {
	ctx := context.Background()
	d := &voucherDesk{}
	jam := errors.New("paper jam")
	printed := 0
	v, printErr, err := ClearVoucher(ctx, d, "98765432", "k1", func(context.Context, *mkpf.Voucher) error { printed++; return jam })
	if err != nil || v == nil || v.State != mkpf.VoucherCleared || printErr != jam || printed != 1 || len(d.cleared) != 1 || d.cleared[0] != "98765432/k1" {
		t.Fatalf("v %+v printErr %v err %v printed %d cleared %v", v, printErr, err, printed, d.cleared)
	}
	d.err = &mkpf.APIError{Status: 409, Code: "voucher_cleared", Message: "このポイント券は消込済みです。"}
	if _, _, err := ClearVoucher(ctx, d, "98765432", "k2", func(context.Context, *mkpf.Voucher) error { printed++; return nil }); err == nil || printed != 1 {
		t.Fatalf("refused clearing: err %v, printed %d", err, printed)
	}
	if SafeToPressAgain(d.err) {
		t.Errorf("a definitive refusal offers pressing again")
	}
	lost := &platformclient.Error{Op: "points/vouchers/clear", Message: platformclient.MsgTimeout, Err: platformclient.ErrTimeout}
	if !SafeToPressAgain(lost) || !SafeToPressAgain(&mkpf.APIError{Status: 429, Code: mkpf.CodeThrottled}) || SafeToPressAgain(nil) {
		t.Errorf("SafeToPressAgain: lost answer %v, throttled %v, nil %v", SafeToPressAgain(lost),
			SafeToPressAgain(&mkpf.APIError{Status: 429, Code: mkpf.CodeThrottled}), SafeToPressAgain(nil))
	}
}

// Screen 34 [再発行]: with no printer nothing is reissued; a print failure keeps the reissue.
func TestScreen34_ReissueVoucher_NoPrinterAsksNothing(t *testing.T) {
	ctx := context.Background()
	d := &voucherDesk{}
	if v, _, err := ReissueVoucher(ctx, d, "98765432", "k", nil); err != ErrNoPrinter || v != nil || len(d.reissued) != 0 {
		t.Fatalf("no printer: v %v err %v reissued %v", v, err, d.reissued)
	}
	jam := errors.New("paper jam")
	v, printErr, err := ReissueVoucher(ctx, d, "98765432", "k", func(context.Context, *mkpf.Voucher) error { return jam })
	if err != nil || v == nil || v.Number != "98765432" || printErr != jam || len(d.reissued) != 1 {
		t.Fatalf("print failure: v %+v printErr %v err %v", v, printErr, err)
	}
}

// Screen 38 [合算] and `merge`: no points is refused before the call; the file goes into the settings' folder.
func TestScreen38_MergePoints_IntoTheSettingsFolder(t *testing.T) {
	ctx := context.Background()
	d := &voucherDesk{}
	into := IntoFolder{C: d, Folder: "/srv/merge"}
	if _, _, err := MergePoints(ctx, into, mkpf.MergeRequest{ProgramID: "p", Points: 0}, "k"); err != ErrNoMergePoints || len(d.merged) != 0 {
		t.Fatalf("zero points: err %v merged %v", err, d.merged)
	}
	res, path, err := MergePoints(ctx, into, mkpf.MergeRequest{ProgramID: "p", Points: 500}, "k1")
	if err != nil || res.Points != 500 || path != "/srv/merge/m.dat" || len(d.merged) != 1 || d.merged[0] != "k1@/srv/merge" {
		t.Fatalf("res %+v path %q err %v merged %v", res, path, err, d.merged)
	}
}
