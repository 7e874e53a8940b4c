//go:build android && cgo

package nfc

// The Go side of reader mode's callback (isodep_android.go's mk_on_tag): a connected IsoDep, or another card.

/*
#include <jni.h>
*/
import "C"

import "sync"

var reader struct {
	mu  sync.Mutex
	src *Source
	vm  uintptr
}

func setReaderSource(src *Source, vm uintptr) {
	reader.mu.Lock()
	reader.src, reader.vm = src, vm
	reader.mu.Unlock()
}

//export goNfcTag
func goNfcTag(iso C.jobject) {
	reader.mu.Lock()
	src, vm := reader.src, reader.vm
	reader.mu.Unlock()
	t := &isoDep{vm: vm, ref: iso}
	if src == nil {
		t.Close()
		return
	}
	src.Discovered(t) // closed there when nothing watches (a tap before [開始])
}

//export goNfcOther
func goNfcOther() {
	reader.mu.Lock()
	src := reader.src
	reader.mu.Unlock()
	if src != nil {
		src.DiscoveredOther()
	}
}
