//go:build !windows

package printing

import "context"

func openWindows(spec, _ string) (Printer, error) {
	return nil, errf(ErrUnsupported, "Windows のプリンター「%s」はこのパソコンでは使えません", spec)
}

func listPrinters(ctx context.Context) ([]string, error) { return listCUPS(ctx) }
