package platform_test

import (
	"context"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestGrants_UploadOf1201ItemsIn3ChunksEachGrantedOnce: screen 79's upload of 1,201 taps through real HTTP is
// applied in 3 transactions (at most 500 items each), every participant granted once; when the second chunk fails
// the first stays applied and the phone's retry of the whole upload applies the rest, nothing twice and nothing
// lost; a third upload of the same items grants nothing and answers each item as before. On both stores.
func TestGrants_UploadOf1201ItemsIn3ChunksEachGrantedOnce(t *testing.T) {
	eachStore(t, func(t *testing.T) {
		const n = 1201
		w := newPointsWorld(t)
		ctx := context.Background()
		phone := hangingClient(t, w.url, "00053062") // no retry of its own: the test retries
		syncID, _, hashes, err := platform.PlantGrantCrowd(w.srv, platform.DemoGrantProject, "00053062", n)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]mkpf.GrantUploadItem, n)
		for i, h := range hashes {
			items[i] = mkpf.GrantUploadItem{GrantID: platformclient.NewGrantID(), ProjectID: platform.DemoGrantProject, SyncID: syncID,
				Hash: h, At: time.Now()}
		}
		granted0 := auditOK(t, w.srv).Totals[platform.TotalGranted]
		perPerson := int64(100)

		// The second chunk fails: the first 500 are in, the upload answers an error.
		platform.FailGrantChunk(w.srv, 1)
		chunks0 := platform.GrantChunksCommitted(w.srv)
		if _, err := phone.UploadGrants(ctx, items); err == nil {
			t.Fatal("the upload whose second chunk failed answered OK")
		} else {
			t.Logf("the failed upload: %v", err)
		}
		if c := platform.GrantChunksCommitted(w.srv) - chunks0; c != 1 {
			t.Fatalf("%d chunks committed before the fault, want 1", c)
		}
		if g := auditOK(t, w.srv).Totals[platform.TotalGranted] - granted0; g != 500*perPerson {
			t.Fatalf("granted %d after the failed upload, want the first chunk's %d", g, 500*perPerson)
		}

		// The retry: 3 chunks, every item accepted, each participant granted once.
		chunks0 = platform.GrantChunksCommitted(w.srv)
		res, err := phone.UploadGrants(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		if c := platform.GrantChunksCommitted(w.srv) - chunks0; c != 3 {
			t.Fatalf("the upload of %d items ran in %d chunks, want 3", n, c)
		}
		got := codes(res)
		if len(res.Accepted) != n || len(res.Refused) != 0 || len(got) != n {
			t.Fatalf("retry: %d accepted, %d refused (%v...), want %d accepted", len(res.Accepted), len(res.Refused), res.Refused[:min(3, len(res.Refused))], n)
		}
		if g := auditOK(t, w.srv).Totals[platform.TotalGranted] - granted0; g != n*perPerson {
			t.Fatalf("granted %d after the retry, want %d (each of %d once)", g, n*perPerson, n)
		}

		// Again: the same answers, nothing granted.
		res2, err := phone.UploadGrants(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Accepted {
			if res2.Accepted[i] != res.Accepted[i] {
				t.Fatalf("item %d answered %+v, before %+v", i, res2.Accepted[i], res.Accepted[i])
			}
		}
		if g := auditOK(t, w.srv).Totals[platform.TotalGranted] - granted0; g != n*perPerson {
			t.Fatalf("granted %d after the third upload, want %d", g, n*perPerson)
		}
	})
}
