package platformclient

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// NewIdempotencyKey returns a fresh random key for one state-changing operation; reuse it for that operation's
// retries only.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

const maxResponse = 4 << 20

// call does one API call with deadlines and the retry policy: a safe call (a read, or a state-changing call with an
// idempotency key) is retried after a transport failure or a 502/503/504; any call is retried once after a 401 with a
// fresh token (the server refused it before acting).
func (c *Client) call(ctx context.Context, op, method, path string, authed, safe bool, in, out any, idemKey string) error {
	base := c.PlatformURL()
	if base == "" {
		return &Error{Op: op, Message: MsgNotEnrolled, Err: ErrNotEnrolled}
	}
	if _, err := NormalizeURL(base); err != nil {
		return err // e.g. http:// to another host, saved by an older version: nothing is sent in clear
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return &Error{Op: op, Message: MsgGeneric, Err: err}
		}
	}
	refreshed := false
	var lastErr error
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return c.ctxError(op, err)
		}
		var tok string
		if authed {
			var err error
			if tok, err = c.ensureToken(ctx); err != nil {
				return err
			}
		}
		status, raw, err := c.roundTrip(ctx, method, base+path, tok, body, idemKey)
		retryable := false
		switch {
		case err != nil:
			lastErr = err
			retryable = true
		case status == http.StatusUnauthorized && authed && !refreshed:
			c.dropToken()
			refreshed = true
			attempt--
			continue
		case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			lastErr = &Error{Op: op, Message: MsgUnavailable, Err: fmt.Errorf("%w: HTTP %d", ErrUnavailable, status)}
			retryable = true
		case status >= 400:
			return apiError(op, status, raw)
		default:
			if out != nil {
				if err := json.Unmarshal(raw, out); err != nil {
					return &Error{Op: op, Message: MsgProtocol, Err: fmt.Errorf("%w: %v", ErrProtocol, err)}
				}
			}
			return nil
		}
		if !retryable || !safe || attempt >= c.opts.Retries {
			if ce := (*Error)(nil); errors.As(lastErr, &ce) {
				ce.Op = op
				return ce
			}
			return lastErr
		}
		select {
		case <-ctx.Done():
			return c.ctxError(op, ctx.Err())
		case <-time.After(time.Duration(200*(attempt+1)*(attempt+1)) * time.Millisecond):
		}
	}
}

func (c *Client) ctxError(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Op: op, Message: MsgTimeout, Err: fmt.Errorf("%w: %v", ErrTimeout, err)}
	}
	return &Error{Op: op, Message: "操作を取り消しました。", Err: err}
}

// roundTrip is one HTTP attempt under the per-attempt deadline. A transport failure comes back as *Error.
func (c *Client) roundTrip(ctx context.Context, method, u, tok string, body []byte, idemKey string) (int, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, u, rd)
	if err != nil {
		return 0, nil, &Error{Op: "request", Message: MsgUnavailable, Err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	c.mu.Lock()
	ps := c.pointsSession
	c.mu.Unlock()
	if ps != "" && tok != "" && (strings.Contains(req.URL.Path, "/v1/points/") || strings.Contains(req.URL.Path, "/v1/grants/")) {
		req.Header.Set(mkpf.PointsSessionHeader, ps)
	}
	if idemKey != "" {
		req.Header.Set(mkpf.IdempotencyHeader, idemKey)
	}
	c.mu.Lock()
	hc := c.hc
	c.mu.Unlock()
	resp, err := hc.Do(req)
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil || errors.Is(err, context.DeadlineExceeded) {
			return 0, nil, &Error{Op: "request", Message: MsgTimeout, Err: fmt.Errorf("%w: %v", ErrTimeout, err)}
		}
		return 0, nil, &Error{Op: "request", Message: MsgUnavailable, Err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, &Error{Op: "request", Message: MsgUnavailable, Err: fmt.Errorf("%w: %v", ErrUnavailable, err)}
	}
	return resp.StatusCode, raw, nil
}

func apiError(op string, status int, raw []byte) error {
	var env mkpf.ErrorEnvelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Error == nil || env.Error.Code == "" {
		if status >= 500 {
			return &Error{Op: op, Message: MsgUnavailable, Err: fmt.Errorf("%w: HTTP %d", ErrUnavailable, status)}
		}
		return &Error{Op: op, Message: MsgProtocol, Err: fmt.Errorf("%w: HTTP %d", ErrProtocol, status)}
	}
	env.Error.Status = status
	return env.Error
}

func (c *Client) dropToken() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

// ensureToken returns a valid bearer token, signing a fresh challenge with the device key when needed.
func (c *Client) ensureToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok, exp, enrolled, tid := c.token, c.tokenExp, c.enrolled, c.terminal.TerminalID
	c.mu.Unlock()
	if !enrolled {
		return "", &Error{Op: "auth", Message: MsgNotEnrolled, Err: ErrNotEnrolled}
	}
	if tok != "" && time.Until(exp) > 30*time.Second {
		return tok, nil
	}
	key, err := c.deviceKey(false)
	if err != nil {
		return "", err
	}
	if err := c.checkFingerprint(); err != nil {
		return "", err
	}
	var ch mkpf.ChallengeResult
	if err := c.call(ctx, "auth", http.MethodPost, "/v1/auth/challenge", false, true, mkpf.ChallengeRequest{TerminalID: tid}, &ch, ""); err != nil {
		return "", err
	}
	fp := c.Fingerprint()
	treq := mkpf.TokenRequest{TerminalID: tid, Challenge: ch.Challenge, Fingerprint: fp[:],
		Signature: ed25519.Sign(key, mkpf.AuthSignedBytes(tid, ch.Challenge))}
	var tr mkpf.TokenResult
	if err := c.call(ctx, "auth", http.MethodPost, "/v1/auth/token", false, false, treq, &tr, ""); err != nil {
		return "", err
	}
	// Judge expiry by the local clock: the token lives TokenTTL from now, whatever the clocks say.
	ttl := time.Until(tr.ExpiresAt)
	c.mu.Lock()
	c.token, c.tokenExp = tr.Token, time.Now().Add(ttl)
	c.mu.Unlock()
	return tr.Token, nil
}

// NormalizeURL checks a platform URL typed on screen 9 or in a script: http or https, a host, no query.
func NormalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", &mkpf.APIError{Code: mkpf.CodeValidation, Message: "プラットフォームのURLが正しくありません（例：https://platform.example.jp）。",
			Fields: []mkpf.FieldError{{Field: "platform_url", Message: "プラットフォームのURLが正しくありません。"}}}
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		msg := "プラットフォームには https:// で接続してください。http:// は同じパソコンの中（127.0.0.1 / localhost）だけで使えます。"
		return "", &mkpf.APIError{Code: mkpf.CodeValidation, Message: msg,
			Fields: []mkpf.FieldError{{Field: "platform_url", Message: msg}}}
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// loopbackHost reports whether host is this machine (localhost, 127.0.0.0/8, ::1): the only place plain HTTP may go.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Enroll is screen 9: it generates the device key (once per install), sends it with the roster's terminal ID and
// password and the fingerprint, and stores the platform URL and the terminal's info. Enrolling again from the same
// install is harmless; another install needs an admin reset on the platform.
func (c *Client) Enroll(ctx context.Context, platformURL, terminalID, password string) (*mkpf.TerminalInfo, error) {
	base, err := NormalizeURL(platformURL)
	if err != nil {
		return nil, err
	}
	terminalID = strings.TrimSpace(terminalID)
	var fe []mkpf.FieldError
	if mkpf.ValidateTerminalID(terminalID) != nil {
		fe = append(fe, mkpf.FieldError{Field: "terminal_id", Message: "端末IDは8桁の半角数字で入力してください。"})
	}
	if password == "" {
		fe = append(fe, mkpf.FieldError{Field: "password", Message: "端末パスワードを入力してください。"})
	}
	if len(fe) > 0 {
		return nil, &mkpf.APIError{Code: mkpf.CodeValidation, Message: "入力内容に誤りがあります。", Fields: fe}
	}
	if err := checkEnrollPin(c.dir, base, c.savedCAFile()); err != nil {
		return nil, err // Windows: another platform than the administrator's pinned one, enrolled without elevation
	}
	key, err := c.deviceKey(true)
	if err != nil {
		return nil, err
	}
	pub, _ := x509.MarshalPKIXPublicKey(key.Public())
	fp := c.Fingerprint()
	req := mkpf.EnrollRequest{TerminalID: terminalID, Password: password, Fingerprint: fp[:], DeviceKey: pub}
	// The platform URL is used for this call before it is saved.
	c.mu.Lock()
	prevURL := c.baseURL
	c.baseURL = base
	c.mu.Unlock()
	var res mkpf.EnrollResult
	err = c.call(ctx, "enroll", http.MethodPost, "/v1/enroll", false, true, req, &res, "")
	if err != nil {
		c.mu.Lock()
		c.baseURL = prevURL
		c.mu.Unlock()
		return nil, err
	}
	c.dropToken()
	c.setPointsSession(res.PointsSession)
	if err := c.saveTerminal(base, res.Terminal); err != nil {
		return nil, err
	}
	if err := c.rememberFingerprint(); err != nil {
		return nil, err
	}
	if err := pinPlatform(c.dir, base, c.savedCAFile()); err != nil {
		return nil, &Error{Op: "enroll", Message: MsgLocalState, Err: err}
	}
	return &res.Terminal, nil
}

// RefreshTerminal fetches the terminal's info from the platform and caches it.
func (c *Client) RefreshTerminal(ctx context.Context) (*mkpf.TerminalInfo, error) {
	var ti mkpf.TerminalInfo
	if err := c.call(ctx, "terminal", http.MethodGet, "/v1/terminal", true, true, nil, &ti, ""); err != nil {
		return nil, err
	}
	if err := c.saveTerminal("", ti); err != nil {
		return nil, err
	}
	return &ti, nil
}

// Issuers is the platform's issuer table for this terminal's municipality (screen 10's pull-down).
func (c *Client) Issuers(ctx context.Context) ([]mkpf.Issuer, error) {
	var out []mkpf.Issuer
	err := c.call(ctx, "issuers", http.MethodGet, "/v1/issuers", true, true, nil, &out, "")
	return out, err
}

// SetContact is screen 10 (登録) and 連絡先の変更. Field errors come back as *mkpf.APIError with Fields.
func (c *Client) SetContact(ctx context.Context, ct mkpf.Contact) error {
	var ti mkpf.TerminalInfo
	if err := c.call(ctx, "contact", http.MethodPut, "/v1/contact", true, true, ct, &ti, NewIdempotencyKey()); err != nil {
		return err
	}
	return c.saveTerminal("", ti)
}

// Contact reads the registered contact (for 連絡先の変更). A terminal without one gets an *mkpf.APIError not_found.
func (c *Client) Contact(ctx context.Context) (*mkpf.Contact, error) {
	var ct mkpf.Contact
	if err := c.call(ctx, "contact", http.MethodGet, "/v1/contact", true, true, nil, &ct, ""); err != nil {
		return nil, err
	}
	return &ct, nil
}

// Lookup is screen 25 → 26: the patron's card number at this terminal's issuer, from the whole user-authentication
// certificate (DER). A read: retried when safe.
func (c *Client) Lookup(ctx context.Context, authCertDER []byte) (*mkpf.LookupResult, error) {
	var res mkpf.LookupResult
	if err := c.call(ctx, "lookup", http.MethodPost, "/v1/lookup", true, true, mkpf.LookupRequest{AuthCert: authCertDER}, &res, ""); err != nil {
		return nil, err
	}
	return &res, nil
}

// RegisterServiceID is screen 23 → 24, with one idempotency key for this call and its retries.
func (c *Client) RegisterServiceID(ctx context.Context, req mkpf.RegisterRequest) (*mkpf.RegisterResult, error) {
	var res mkpf.RegisterResult
	if err := c.call(ctx, "register", http.MethodPost, "/v1/service-ids", true, true, req, &res, NewIdempotencyKey()); err != nil {
		return nil, err
	}
	return &res, nil
}

// do is the raw authenticated call under the client's methods (the points half included): path under the platform
// URL (e.g. "/v1/points/use"), in and out JSON (either may be nil). With idemKey it sends the Idempotency-Key header
// and may retry; without one only GET is retried. It is not part of the API: the platform's own tests make raw calls
// with internal/testenv.RawCall.
func (c *Client) do(ctx context.Context, method, path string, in, out any, idemKey string) error {
	return c.call(ctx, strings.TrimPrefix(path, "/v1/"), method, path, true, method == http.MethodGet || idemKey != "", in, out, idemKey)
}

// Contact is the screen-10 form (an alias of the wire type, so callers need not import mkpf for it).
type Contact = mkpf.Contact
