package testenv

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// StopHTTP closes the platform's HTTP listener, as if the server were down or the network gone: the server and its
// database stay, clients get "connection refused". StartHTTP serves again on the same address.
func (p *PlatformEnv) StopHTTP(t testing.TB) {
	t.Helper()
	p.HTTP.CloseClientConnections()
	p.HTTP.Close()
}

// StartHTTP serves the platform again on the address StopHTTP closed (the URL enrolled terminals hold).
func (p *PlatformEnv) StartHTTP(t testing.TB) {
	t.Helper()
	addr := strings.TrimPrefix(p.URL, "http://")
	var l net.Listener
	var err error
	// The port may still be in use by the closed server for a moment: until it is free (the deadline is a safety
	// net only).
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("testenv: listen again on %s: %v", addr, err)
	}
	hs := httptest.NewUnstartedServer(p.Server.Handler())
	hs.Listener.Close()
	hs.Listener = l
	hs.Config.ReadHeaderTimeout = 10 * time.Second
	hs.Start()
	p.HTTP = hs
	t.Cleanup(hs.Close)
}
