//go:build windows

package printing

import (
	"context"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Windows spooler back end draws the Document's Image with GDI on a printer device context (CreateDC "WINSPOOL",
// StartDoc, StretchDIBits), so it works with every installed printer driver, label printers included.
var (
	gdi32    = windows.NewLazySystemDLL("gdi32.dll")
	winspool = windows.NewLazySystemDLL("winspool.drv")

	procCreateDCW      = gdi32.NewProc("CreateDCW")
	procCreateICW      = gdi32.NewProc("CreateICW")
	procSetStretchMode = gdi32.NewProc("SetStretchBltMode")
	procDeleteDC       = gdi32.NewProc("DeleteDC")
	procStartDocW      = gdi32.NewProc("StartDocW")
	procEndDoc         = gdi32.NewProc("EndDoc")
	procAbortDoc       = gdi32.NewProc("AbortDoc")
	procStartPage      = gdi32.NewProc("StartPage")
	procEndPage        = gdi32.NewProc("EndPage")
	procGetDeviceCaps  = gdi32.NewProc("GetDeviceCaps")
	procStretchDIBits  = gdi32.NewProc("StretchDIBits")
	procEnumPrintersW  = winspool.NewProc("EnumPrintersW")
)

const (
	horzRes            = 8
	vertRes            = 10
	logPixelsX         = 88
	colorOnColor       = 3
	dibRGBColors       = 0
	srcCopy            = 0x00CC0020
	printerEnumLocal   = 2
	printerEnumConnect = 4
)

type docInfo struct {
	cbSize   int32
	docName  *uint16
	output   *uint16
	datatype *uint16
	fwType   uint32
}

type bitmapInfo struct {
	size          uint32
	width, height int32
	planes        uint16
	bitCount      uint16
	compression   uint32
	sizeImage     uint32
	xPels, yPels  int32
	clrUsed       uint32
	clrImportant  uint32
	colors        [256][4]byte
}

type printerInfo4 struct {
	printerName *uint16
	serverName  *uint16
	attributes  uint32
}

type winPrinter struct{ spec, name string }

func openWindows(spec, name string) (Printer, error) {
	if name == "" {
		return nil, errf(ErrUnknownSpec, "Windows のプリンタ名が空です。設定画面でプリンタを選んでください")
	}
	return &winPrinter{spec: spec, name: name}, nil
}

func (p *winPrinter) Name() string { return p.spec }

// DPI is the printer's resolution as its driver reports it (an information context, no job), so labels are
// rendered dot for dot; 300 when the driver cannot say.
func (p *winPrinter) DPI() int {
	driver, _ := windows.UTF16PtrFromString("WINSPOOL")
	dev, err := windows.UTF16PtrFromString(p.name)
	if err != nil {
		return 300
	}
	ic, _ := createDC(procCreateICW, driver, dev)
	if ic == 0 {
		return 300
	}
	defer procDeleteDC.Call(ic)
	if d, _, _ := procGetDeviceCaps.Call(ic, logPixelsX); int32(d) >= 100 {
		return int(int32(d))
	}
	return 300
}

func (p *winPrinter) Print(_ context.Context, doc Document) (string, error) {
	if doc.Image == nil {
		return "", errf(ErrNoContent, "Windows のプリンタには画像で送る必要がありますが、印刷する画像がありません")
	}
	driver, _ := windows.UTF16PtrFromString("WINSPOOL")
	dev, err := windows.UTF16PtrFromString(p.name)
	if err != nil {
		return "", errf(err, "プリンタ名「%s」が正しくありません", p.name)
	}
	hdc, e := createDC(procCreateDCW, driver, dev)
	if hdc == 0 {
		return "", errf(e, "プリンタ「%s」が見つかりません。設定画面でプリンタを選び直してください", p.name)
	}
	defer procDeleteDC.Call(hdc)
	title := doc.Title
	if title == "" {
		title = "mykeyterm"
	}
	// Spaces become underscores: a job name with a space, passed on by wine's spooler, crashes Debian 12's cupsd
	// (CUPS 2.4.2, measured: segfault on "label 180000000011", none on "label_180000000011"); the print queue shows
	// the name either way.
	tp, _ := windows.UTF16PtrFromString(strings.ReplaceAll(title, " ", "_"))
	di := docInfo{cbSize: int32(unsafe.Sizeof(docInfo{})), docName: tp}
	job, _, e := procStartDocW.Call(hdc, uintptr(unsafe.Pointer(&di)))
	if int32(job) <= 0 {
		return "", errf(e, "プリンタ「%s」が印刷を受け付けませんでした", p.name)
	}
	if r, _, e := procStartPage.Call(hdc); int32(r) <= 0 {
		procAbortDoc.Call(hdc)
		return "", errf(e, "プリンタ「%s」で印刷を始められませんでした", p.name)
	}
	g := toGray(doc.Image)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	stride := (w + 3) &^ 3
	bits := make([]byte, stride*h)
	for y := 0; y < h; y++ {
		copy(bits[y*stride:], g.Pix[y*g.Stride:y*g.Stride+w])
	}
	bi := bitmapInfo{width: int32(w), height: -int32(h), planes: 1, bitCount: 8, clrUsed: 256}
	bi.size = 40
	for i := range bi.colors {
		bi.colors[i] = [4]byte{byte(i), byte(i), byte(i), 0}
	}
	// The document's physical width when it has one (a label on an A4 printer stays label-sized), else the page
	// width; never larger than the printable area. COLORONCOLOR keeps bars hard-edged (no halftoning).
	pw, _, _ := procGetDeviceCaps.Call(hdc, horzRes)
	ph, _, _ := procGetDeviceCaps.Call(hdc, vertRes)
	dpi, _, _ := procGetDeviceCaps.Call(hdc, logPixelsX)
	dw := int(int32(pw))
	if doc.WidthMM > 0 && int32(dpi) > 0 {
		dw = min(dw, int(doc.WidthMM/25.4*float64(int32(dpi))+0.5))
	}
	dh := dw * h / max(1, w)
	if dh > int(int32(ph)) {
		dw, dh = int(int32(ph))*w/max(1, h), int(int32(ph))
	}
	procSetStretchMode.Call(hdc, colorOnColor)
	if r, _, e := procStretchDIBits.Call(hdc, 0, 0, uintptr(dw), uintptr(dh), 0, 0, uintptr(w), uintptr(h),
		uintptr(unsafe.Pointer(&bits[0])), uintptr(unsafe.Pointer(&bi)), dibRGBColors, srcCopy); r == 0 {
		procAbortDoc.Call(hdc)
		return "", errf(e, "プリンタ「%s」に画像を送れませんでした", p.name)
	}
	procEndPage.Call(hdc)
	if r, _, e := procEndDoc.Call(hdc); int32(r) <= 0 {
		return "", errf(e, "プリンタ「%s」で印刷を終えられませんでした", p.name)
	}
	return strconv.Itoa(int(int32(job))), nil
}

// createDC makes a device (or information) context for the printer. When the spooler does not know the printer yet,
// it enumerates the printers once and tries again: enumerating makes the spooler take in printers it has not
// registered yet (wine adds the CUPS queues to its registry, with their PostScript driver, only then; measured).
func createDC(proc *windows.LazyProc, driver, dev *uint16) (uintptr, error) {
	dc, _, e := proc.Call(uintptr(unsafe.Pointer(driver)), uintptr(unsafe.Pointer(dev)), 0, 0)
	if dc != 0 {
		return dc, nil
	}
	if _, err := listPrinters(context.Background()); err != nil {
		return 0, e
	}
	dc, _, e = proc.Call(uintptr(unsafe.Pointer(driver)), uintptr(unsafe.Pointer(dev)), 0, 0)
	return dc, e
}

func listPrinters(context.Context) ([]string, error) {
	var needed, returned uint32
	flags := uintptr(printerEnumLocal | printerEnumConnect)
	procEnumPrintersW.Call(flags, 0, 4, 0, 0, uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned)))
	if needed == 0 {
		return nil, nil
	}
	buf := make([]byte, needed)
	r, _, e := procEnumPrintersW.Call(flags, 0, 4, uintptr(unsafe.Pointer(&buf[0])), uintptr(needed),
		uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&returned)))
	if r == 0 {
		return nil, errf(e, "プリンタの一覧を取得できませんでした")
	}
	infos := unsafe.Slice((*printerInfo4)(unsafe.Pointer(&buf[0])), returned)
	out := make([]string, 0, returned)
	for _, pi := range infos {
		out = append(out, "windows:"+windows.UTF16PtrToString(pi.printerName))
	}
	return out, nil
}
