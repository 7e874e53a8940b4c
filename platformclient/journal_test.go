package platformclient_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"sync"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestJournal_LateAnswerOfAnOlderKeyKeepsTheNewerPendingOperationFindable: two identical calls share one pending key
// (a double click); one is answered, then a new identical operation (a new key) loses its answer, and only then does
// the late answer of the first key arrive. The lost operation must stay findable, so the clerk's retry gets its
// answer instead of moving the points a second time.
func TestJournal_LateAnswerOfAnOlderKeyKeepsTheNewerPendingOperationFindable(t *testing.T) {
	env := testenv.Platform(t)
	var (
		mu      sync.Mutex
		n       int
		release = make(chan struct{})
		arrived = make(chan struct{})
	)
	url := newProxy(t, env.URL, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/points/use" {
			return false
		}
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		switch i {
		case 1: // the first click: held until the others are through
			close(arrived)
			<-release
		case 3: // the new operation: applied, its answer lost
			u, _ := neturl.Parse(env.URL)
			httputil.NewSingleHostReverseProxy(u).ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	})
	c, err := platformclient.Open(t.TempDir(), platformclient.Options{Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	enroll(t, c, url, "00052589")
	ref := mkpf.PatronRef{AuthCert: yamada(t)}
	req := mkpf.UseRequest{PatronRef: ref, ProgramID: platform.DemoProgramMunicipal, Points: 5}

	first := make(chan error, 1)
	go func() { _, err := c.Use(ctx(t), req, ""); first <- err }()
	<-arrived
	second, err := c.Use(ctx(t), req, "") // the double click: same pending key, applied once
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Use(ctx(t), req, ""); err == nil { // a new operation whose answer is lost
		t.Fatal("the answer was lost, yet the call succeeded")
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	retry, err := c.Use(ctx(t), req, "") // the clerk presses 利用 again for the lost one
	if err != nil {
		t.Fatal(err)
	}
	if retry.TxnID == second.TxnID || retry.BalanceAfter != 10000-10 {
		t.Fatalf("the retry of the lost operation was applied again: first %+v, retry %+v", second, retry)
	}
}
