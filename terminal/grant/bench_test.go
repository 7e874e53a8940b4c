package grant

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// installSync makes s the device's current sync without a platform (benchmarks).
func installSync(tb testing.TB, d *Device, s mkpf.GrantSync) {
	v, _ := json.Marshal(s)
	err := d.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bSyncs).Put([]byte(s.Project.ID), v); err != nil {
			return err
		}
		return tx.Bucket(bDevState).Put([]byte("current"), []byte(s.Project.ID))
	})
	if err == nil {
		err = d.load()
	}
	if err != nil {
		tb.Fatal(err)
	}
}

func percentile(ds []time.Duration, p float64) float64 {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
}

// BenchmarkTap: screen 79's answer to a card through pcscd and the virtual card, card seen → answer (the certificate
// read, the keyed hash, the match and the fsync'd store of the grant), against the bare certificate read on the same
// reader. Reports p50-ms and p99-ms.
func BenchmarkTap(b *testing.B) {
	env := testenv.PCSCD(b)
	env.InsertVirtual(b, "yamada", 0)
	src, err := cardio.NewPCSC()
	if err != nil {
		b.Fatal(err)
	}
	reader := testenv.VPCDReader(0)
	yamada, _ := demopki.Get("yamada")
	d, err := OpenDevice(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	key := []byte("0123456789abcdef0123456789abcdef")
	h := Hash(key, yamada.Serial)
	installSync(b, d, mkpf.GrantSync{SyncID: "bench", Key: key, Project: mkpf.GrantProject{ID: "GPBENCH", PointsPerPerson: 1},
		Entries: []mkpf.SyncEntry{{Hash: h}}})
	ctx := context.Background()
	b.Run("tap_granted", func(b *testing.B) {
		took := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			d.mu.Lock()
			d.cur.entries[h] = false // the same card stands for a new participant each time
			d.mu.Unlock()
			start := time.Now()
			r := d.Tap(ctx, src, reader)
			took = append(took, time.Since(start))
			if r.Result != ResultGranted {
				b.Fatalf("tap: %+v", r)
			}
		}
		b.ReportMetric(percentile(took, 0.50), "p50-ms")
		b.ReportMetric(percentile(took, 0.99), "p99-ms")
	})
	b.Run("bare_cert_read", func(b *testing.B) {
		took := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := cardio.ReadAuthCert(ctx, src, reader); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		b.ReportMetric(percentile(took, 0.50), "p50-ms")
		b.ReportMetric(percentile(took, 0.99), "p99-ms")
	})
}

// benchPatrons makes n holders: a CA trusted by the bench platform and one certificate per holder (distinct serials,
// one shared key: only the serials matter here).
func benchPatrons(b *testing.B, n int) (*x509.Certificate, [][]byte) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Grant Bench Auth CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		b.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	out := make([][]byte, n)
	for i := range out {
		tpl := &x509.Certificate{SerialNumber: big.NewInt(int64(0x100000 + i)), Subject: pkix.Name{CommonName: fmt.Sprintf("bench %d", i)},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		if out[i], err = x509.CreateCertificate(rand.Reader, tpl, ca, &leafKey.PublicKey, caKey); err != nil {
			b.Fatal(err)
		}
	}
	return ca, out
}

// stageGrants stores one pending grant per sync entry in one transaction (the taps, each with its card's sealed certificate).
func stageGrants(b *testing.B, d *Device, s *mkpf.GrantSync, certs [][]byte) {
	byHash := map[string][]byte{}
	for _, der := range certs {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			b.Fatal(err)
		}
		byHash[Hash(s.Key, strings.ToUpper(c.SerialNumber.Text(16)))] = der
	}
	err := d.db.Update(func(tx *bbolt.Tx) error {
		gb, pb := tx.Bucket(bGrants), tx.Bucket(bPending)
		for _, e := range s.Entries {
			seq, _ := gb.NextSequence()
			g := StoredGrant{GrantUploadItem: mkpf.GrantUploadItem{GrantID: newID(), ProjectID: s.Project.ID, SyncID: s.SyncID, Hash: e.Hash, At: time.Now().UTC()},
				Points: s.Project.PointsPerPerson, State: StatePending, Seq: seq}
			var err error
			if g.Card, err = mkpf.SealTapCert(s.SealKey, g.GrantUploadItem, byHash[e.Hash]); err != nil {
				return err
			}
			v, _ := json.Marshal(g)
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq)
			if err := gb.Put([]byte(g.GrantID), v); err != nil {
				return err
			}
			if err := pb.Put(k[:], []byte(g.GrantID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	d.pending += len(s.Entries)
}

// BenchmarkUpload10k: screen 79's upload of 10,000 stored grants to the platform over loopback HTTP (batches of
// UploadBatch, each answer recorded before the next), against 10,000 bare inserts of the same grants into the device
// store in the same batches. Reports s/10k.
func BenchmarkUpload10k(b *testing.B) {
	const n = 10000
	ca, certs := benchPatrons(b, n)
	env := testenv.PlatformWith(b, platform.Options{ExtraAuthRoots: []*x509.Certificate{ca}})
	ids := make([]string, n)
	for i, der := range certs {
		id, err := env.Server.CreateMyKeyID(der, "")
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	phone := FromClient(env.Enrolled(b, "00053062"))
	ctx := context.Background()
	// Each iteration grants every ID once more from the one phone: above the default limits of a month and a day.
	if err := env.Server.SetGrantCap(1000); err != nil {
		b.Fatal(err)
	}
	if err := env.Server.SetGrantUploadItemsPerDay(10_000_000); err != nil {
		b.Fatal(err)
	}
	b.Run("upload", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			pid, err := env.Server.AddGrantProject(platform.DemoMunicipality, mkpf.GrantProjectRequest{Name: fmt.Sprintf("bench %d", i),
				Department: "bench", PointsPerPerson: 1, ProgramID: platform.DemoProgramMunicipal, Budget: n})
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := env.Server.AddParticipants(pid, ids); err != nil {
				b.Fatal(err)
			}
			d, err := OpenDevice(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			s, err := d.Sync(ctx, phone, pid)
			if err != nil || len(s.Entries) != n {
				b.Fatalf("sync: %v", err)
			}
			stageGrants(b, d, s, certs)
			b.StartTimer()
			start := time.Now()
			rep, err := d.Upload(ctx, phone, nil)
			took := time.Since(start)
			b.StopTimer()
			if err != nil || len(rep.Accepted) != n {
				b.Fatalf("upload: %d accepted, %d refused, %v", len(rep.Accepted), len(rep.Refused), err)
			}
			b.ReportMetric(took.Seconds(), "s/10k")
			d.Close()
		}
	})
	b.Run("bare_inserts", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			d, err := OpenDevice(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			grants := make([]StoredGrant, n)
			for j := range grants {
				grants[j] = StoredGrant{GrantUploadItem: mkpf.GrantUploadItem{GrantID: newID(), ProjectID: "GPBENCH", SyncID: "bench", Hash: Hash([]byte("k"), fmt.Sprint(j)), At: time.Now().UTC()},
					Points: 1, State: StateAccepted, Seq: uint64(j + 1)}
			}
			b.StartTimer()
			start := time.Now()
			for s := 0; s < n; s += UploadBatch {
				batch := grants[s:min(s+UploadBatch, n)]
				err := d.db.Update(func(tx *bbolt.Tx) error {
					gb := tx.Bucket(bGrants)
					for _, g := range batch {
						v, _ := json.Marshal(g)
						if err := gb.Put([]byte(g.GrantID), v); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			took := time.Since(start)
			b.StopTimer()
			b.ReportMetric(took.Seconds(), "s/10k")
			d.Close()
		}
	})
}
