module github.com/mykeyterm/mykeyterm

go 1.26.0

require (
	fyne.io/fyne/v2 v2.7.1 // indirect
	github.com/OpenPrinting/goipp v1.1.0 // indirect
	github.com/boombuler/barcode v1.1.0 // indirect
	github.com/ebfe/scard v0.0.0-20241214075232-7af069cabc25 // indirect
	github.com/go-pdf/fpdf v0.9.0 // indirect
	github.com/jezek/xgb v1.1.1 // indirect
	github.com/skip2/go-qrcode v0.0.0-20200617195104-da1b6568686e // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
