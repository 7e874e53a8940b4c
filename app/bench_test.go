package app

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// BenchmarkTapToNumber measures tap-to-number the way the counter lives it in continuous lookup: the virtual card is
// inserted through the real pcscd (vpcd), the app's CardService sees it on its Watch, reads the certificate through
// PC/SC, the platform client looks it up on the loopback reference platform (real HTTP, certificate chain check),
// and the number is ready to hand off. It reports p50 and p99 in ms; the baseline in the same run is the same path
// with the in-process card source (no pcscd), which isolates the reader stack's share.
func BenchmarkTapToNumber(b *testing.B) {
	env := testenv.Platform(b)
	client := env.Enrolled(b, "00052489")
	pc := testenv.PCSCD(b)
	pcsc, err := cardio.NewPCSC()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("pcscd", func(b *testing.B) {
		svc := RealServices(pcsc, client, terminal.DefaultPatronProfile())
		cards := svc.Cards
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		events, err := cards.Watch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		reader := pc.Reader(0)
		var lat, seen []time.Duration
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			remove := pc.InsertVirtual(b, "yamada", 0)
			for ev := range events {
				if ev.Reader == reader && ev.Present {
					break
				}
			}
			t1 := time.Now()
			der, err := cards.ReadAuthCert(ctx, reader)
			if err != nil {
				b.Fatal(err)
			}
			res, err := svc.Platform.Lookup(ctx, der)
			if err != nil || res.CardNumber != "180000000011" {
				b.Fatalf("lookup: %v %+v", err, res)
			}
			_ = svc.Handoff.Group(res.CardNumber)
			lat = append(lat, time.Since(t0))
			seen = append(seen, time.Since(t1))
			remove()
			for ev := range events { // wait for the removal so the next insertion is a fresh tap
				if ev.Reader == reader && !ev.Present {
					break
				}
			}
		}
		reportPercentiles(b, lat)
		b.ReportMetric(pct(seen, 0.5), "seen-to-number-p50-ms")
	})
	// Baseline: the same read + lookup + hand-off with the in-process virtual card (no pcscd, no insertion wait).
	b.Run("in-process-card", func(b *testing.B) {
		src := vcard.NewSource()
		if _, err := src.Insert("yamada"); err != nil {
			b.Fatal(err)
		}
		svc := RealServices(src, client, terminal.DefaultPatronProfile())
		ctx := context.Background()
		var lat []time.Duration
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			der, err := svc.Cards.ReadAuthCert(ctx, "")
			if err != nil {
				b.Fatal(err)
			}
			res, err := svc.Platform.Lookup(ctx, der)
			if err != nil {
				b.Fatal(err)
			}
			_ = svc.Handoff.Group(res.CardNumber)
			lat = append(lat, time.Since(t0))
		}
		reportPercentiles(b, lat)
	})
}

func pct(lat []time.Duration, q float64) float64 {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / 1e6
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
