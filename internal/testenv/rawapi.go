package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// The platform's own tests and benchmarks make raw API calls (a chosen idempotency key, an endpoint a terminal's kind
// may not use, past the client's journal). The client has no raw call in its API; these helpers speak HTTP to the
// platform directly with the credentials the client's own calls carried, seen by a transport the client was opened
// with (OpenClient).

// authSeen is an http.RoundTripper that remembers the bearer token and the points session of the client's calls.
type authSeen struct {
	base    http.RoundTripper
	mu      sync.Mutex
	token   string
	session string
}

func (a *authSeen) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		a.mu.Lock()
		a.token = h
		if s := r.Header.Get(mkpf.PointsSessionHeader); s != "" {
			a.session = s
		}
		a.mu.Unlock()
	}
	resp, err := a.base.RoundTrip(r)
	login, enroll := strings.HasSuffix(r.URL.Path, "/v1/points/login"), strings.HasSuffix(r.URL.Path, "/v1/enroll")
	if err != nil || resp.StatusCode != http.StatusOK || !login && !enroll {
		return resp, err
	}
	// The points session comes from the screen-2 login or from the enrollment itself (which opens one too).
	raw, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	var lr mkpf.PointsLoginResult
	var er mkpf.EnrollResult
	session := ""
	switch {
	case rerr != nil:
	case login && json.Unmarshal(raw, &lr) == nil:
		session = lr.Session
	case enroll && json.Unmarshal(raw, &er) == nil:
		session = er.PointsSession
	}
	if session != "" {
		a.mu.Lock()
		a.session = session
		a.mu.Unlock()
	}
	return resp, nil
}

func (a *authSeen) seen() (token, session string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token, a.session
}

var rawClients sync.Map // *platformclient.Client → *authSeen

// OpenClient is platformclient.Open with a transport that lets RawCall reuse the client's credentials (opts.HTTPClient
// is replaced; its timeouts are opts.Timeout as usual).
func OpenClient(dataDir string, opts platformclient.Options) (*platformclient.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16 // as platformclient's own transport (httpClient): no new connection per call under load
	seen := &authSeen{base: tr}
	opts.HTTPClient = &http.Client{Transport: seen}
	c, err := platformclient.Open(dataDir, opts)
	if err == nil {
		rawClients.Store(c, seen)
	}
	return c, err
}

// RawCall is one authenticated call of c's terminal: path under the platform URL (e.g. "/v1/points/use"), in and out
// JSON (either may be nil), idemKey sent as the Idempotency-Key header when not "". It is never retried. A refusal
// comes back as *mkpf.APIError (with Status), so platformclient.Code and errors.As work as on the client's calls.
// c must come from OpenClient (or PlatformEnv.Client/Enrolled) and be enrolled; a points call needs c.Login first.
func RawCall(ctx context.Context, c *platformclient.Client, method, path string, in, out any, idemKey string) error {
	v, ok := rawClients.Load(c)
	if !ok {
		return errors.New("testenv.RawCall: open the client with testenv.OpenClient")
	}
	seen := v.(*authSeen)
	for attempt := 0; ; attempt++ {
		if tok, _ := seen.seen(); tok == "" || attempt > 0 {
			// An authenticated read makes the client fetch (or renew) its token, which the transport sees.
			if _, err := c.RefreshTerminal(ctx); err != nil {
				return fmt.Errorf("testenv.RawCall: authenticate: %w", err)
			}
		}
		tok, session := seen.seen()
		var body io.Reader
		if in != nil {
			b, err := json.Marshal(in)
			if err != nil {
				return err
			}
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.PlatformURL()+path, body)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", tok)
		if session != "" && strings.HasPrefix(path, "/v1/points/") {
			req.Header.Set(mkpf.PointsSessionHeader, session)
		}
		if idemKey != "" {
			req.Header.Set(mkpf.IdempotencyHeader, idemKey)
		}
		resp, err := seen.base.RoundTrip(req)
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			continue // the token expired: renew it once
		case resp.StatusCode >= 400:
			var env mkpf.ErrorEnvelope
			if json.Unmarshal(raw, &env) != nil || env.Error == nil {
				return fmt.Errorf("testenv.RawCall: %s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
			}
			env.Error.Status = resp.StatusCode
			return env.Error
		}
		if out != nil {
			return json.Unmarshal(raw, out)
		}
		return nil
	}
}

// SeenAuth is the Authorization header value and points session of c's last authenticated call (c from OpenClient),
// for tests and benchmarks that call the platform's handler directly.
func SeenAuth(c *platformclient.Client) (authorization, session string) {
	if v, ok := rawClients.Load(c); ok {
		return v.(*authSeen).seen()
	}
	return "", ""
}
