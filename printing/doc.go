// Package printing owns what the counter terminal puts on paper and how it gets there: the barcode label of the
// library hand-off (mode D), the Document that receipts and vouchers render to, and the printer back ends behind one
// Printer interface:
//
//	ipp://localhost:631/printers/PDF   CUPS (or any IPP printer) over IPP with github.com/OpenPrinting/goipp
//	cups:PDF                           the same, the queue PDF of the local CUPS (CUPS_SERVER or localhost:631)
//	ql:cups:QL800                      a Brother QL label printer through its CUPS driver (printer-driver-ptouch)
//	escpos:tcp://host:9100             raw ESC/POS raster (GS v 0) and cut to a network receipt printer
//	escpos:/dev/usb/lp0                the same to a local device file
//	escpos:cups:RECEIPT                the same through a CUPS raw queue (job id from CUPS)
//	pdf:/path/file.pdf                 save as PDF instead of printing
//	windows:Printer Name               the Windows spooler (winspool + GDI), printing_windows.go
//
// It also holds Go decoders of the ESC/POS and Brother QL byte streams, so tests can check what reached a printer.
// It imports no Fyne.
package printing
