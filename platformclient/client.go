package platformclient

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Options configure a Client.
type Options struct {
	HTTPClient *http.Client  // default: a client with its own transport (and CAFile's roots when given)
	CAFile     string        // PEM file of the CA that signed the platform's TLS certificate (private deployments)
	Timeout    time.Duration // deadline of each attempt of each call; default 10 s
	Retries    int           // extra attempts of a safe call after a transport failure; default 2, -1 for none
}

// StateFile is the terminal's state inside the data directory (bbolt, mode 0600): platform URL, terminal info, the
// per-install value, the device key (DPAPI-protected on Windows), the CA file path and the settings.
const StateFile = "terminal.db"

var (
	bState    = []byte("state")
	bSettings = []byte("settings")
)

// Client is the terminal's connection to the platform and its local state. Safe for concurrent use.
type Client struct {
	dir  string
	db   *bbolt.DB
	opts Options
	hc   *http.Client

	mu       sync.Mutex
	baseURL  string
	terminal mkpf.TerminalInfo
	enrolled bool
	install  []byte
	key      ed25519.PrivateKey
	token    string
	tokenExp time.Time
	// pin is the administrator's platform pin of a shared state folder (Windows; nil: none).
	pin *PlatformPin
	// pointsSession is the screen-2 login's session (memory only: a copy of the state file does not carry it).
	pointsSession string
}

// Open opens (creating) the terminal's state in dataDir. It fails with ErrStateLocked when another process uses it.
func Open(dataDir string, opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Retries == 0 {
		opts.Retries = 2
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if err := prepareDataDir(dataDir); err != nil {
		if pe := (*Error)(nil); errors.As(err, &pe) {
			return nil, err // the state folder's own message (Windows: missing, or its access list unsafe)
		}
		return nil, &Error{Op: "open", Message: MsgLocalState, Err: err}
	}
	statePath := filepath.Join(dataDir, StateFile)
	db, err := bbolt.Open(statePath, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, &Error{Op: "open", Message: MsgStateLocked, Err: ErrStateLocked}
		}
		return nil, &Error{Op: "open", Message: MsgLocalState, Err: err}
	}
	if runtime.GOOS != "windows" {
		// The device key's protection at rest outside Windows: owner-only, even if the file was copied in looser.
		if err := os.Chmod(statePath, 0o600); err != nil {
			db.Close()
			return nil, &Error{Op: "open", Message: MsgLocalState, Err: err}
		}
	}
	c := &Client{dir: dataDir, db: db, opts: opts, hc: opts.HTTPClient}
	if err := c.load(); err != nil {
		db.Close()
		return nil, &Error{Op: "open", Message: MsgLocalState, Err: err}
	}
	if err := c.checkKeyOwner(); err != nil {
		db.Close()
		return nil, err // Windows: the device key is sealed for another account (keyowner.go)
	}
	pin, err := checkPlatformPin(dataDir, c.baseURL, c.savedCAFile())
	if err != nil {
		db.Close()
		return nil, err // Windows: the platform or CA is not the one the administrator pinned (platformpin_windows.go)
	}
	c.pin = pin
	if pin != nil && c.baseURL == "" {
		c.baseURL = pin.URL // screen 9 shows the pinned platform (saved only by the enrolment)
	}
	if c.hc == nil {
		caFile := opts.CAFile
		if caFile == "" {
			caFile = c.savedCAFile()
		}
		if c.hc, err = c.httpClient(caFile); err != nil {
			db.Close()
			return nil, err
		}
	}
	return c, nil
}

// httpClient is the client trusting caFile, or else the pinned CA (Windows, platformpin_windows.go), or else the
// system's roots.
func (c *Client) httpClient(caFile string) (*http.Client, error) {
	if caFile == "" && c.pin != nil && c.pin.CAPEM != nil {
		return httpClientPEM(c.pin.CAPEM, "HKLM")
	}
	return httpClient(caFile)
}

// httpClient is a client with its own transport, trusting the CA in caFile (PEM) when given.
func httpClient(caFile string) (*http.Client, error) {
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, &Error{Op: "open", Message: "プラットフォームのCA証明書ファイルを読めません: " + caFile, Err: err}
		}
		return httpClientPEM(pem, caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: tr}, nil
}

// httpClientPEM is a client with its own transport trusting only the CA certificates in pem (from where).
func httpClientPEM(pem []byte, where string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &Error{Op: "open", Message: "プラットフォームのCA証明書ファイルにPEM形式の証明書がありません: " + where, Err: ErrProtocol}
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

func (c *Client) savedCAFile() string {
	var p string
	c.db.View(func(tx *bbolt.Tx) error {
		p = string(tx.Bucket(bState).Get([]byte("ca_file")))
		return nil
	})
	return p
}

// SetCAFile makes the client trust the CA in caFile (PEM) for the platform's TLS certificate from now on, and
// remembers it in the state file for later runs ("" goes back to the system roots). Not for clients opened with
// Options.HTTPClient.
func (c *Client) SetCAFile(caFile string) error {
	if c.opts.HTTPClient != nil {
		return nil
	}
	if caFile != "" {
		if abs, err := filepath.Abs(caFile); err == nil {
			caFile = abs
		}
	}
	if err := checkCAPin(c.dir, caFile); err != nil {
		return err // Windows: not the CA the administrator pinned
	}
	hc, err := c.httpClient(caFile)
	if err != nil {
		return err
	}
	err = c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bState).Put([]byte("ca_file"), []byte(caFile)) })
	if err != nil {
		return &Error{Op: "ca file", Message: MsgLocalState, Err: err}
	}
	c.mu.Lock()
	c.hc = hc
	c.mu.Unlock()
	return nil
}

func (c *Client) load() error {
	return c.db.Update(func(tx *bbolt.Tx) error {
		st, err := tx.CreateBucketIfNotExists(bState)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bSettings); err != nil {
			return err
		}
		if v := st.Get([]byte("install_id")); len(v) == 32 {
			c.install = append([]byte(nil), v...)
		} else {
			c.install = make([]byte, 32)
			rand.Read(c.install)
			if err := st.Put([]byte("install_id"), c.install); err != nil {
				return err
			}
		}
		c.baseURL = string(st.Get([]byte("platform_url")))
		if v := st.Get([]byte("terminal")); v != nil {
			if err := json.Unmarshal(v, &c.terminal); err != nil {
				return err
			}
			c.enrolled = c.terminal.TerminalID != ""
		}
		return nil
	})
}

// Close closes the state file.
func (c *Client) Close() error { return c.db.Close() }

// DataDir is the terminal's data directory.
func (c *Client) DataDir() string { return c.dir }

// Enrolled reports whether this terminal has enrolled (screen 9 done).
func (c *Client) Enrolled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enrolled
}

// Terminal is the cached TerminalInfo (refreshed by Enroll, SetContact and RefreshTerminal).
func (c *Client) Terminal() mkpf.TerminalInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.terminal
}

// PlatformURL is the enrolled platform's base URL.
func (c *Client) PlatformURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.baseURL
}

// Fingerprint is this terminal's fingerprint.
func (c *Client) Fingerprint() [32]byte { return Fingerprint(c.install) }

func (c *Client) saveTerminal(url string, ti mkpf.TerminalInfo) error {
	raw, _ := json.Marshal(ti)
	err := c.db.Update(func(tx *bbolt.Tx) error {
		st := tx.Bucket(bState)
		if url != "" {
			if err := st.Put([]byte("platform_url"), []byte(url)); err != nil {
				return err
			}
		}
		return st.Put([]byte("terminal"), raw)
	})
	if err != nil {
		return &Error{Op: "save", Message: MsgLocalState, Err: err}
	}
	c.mu.Lock()
	if url != "" {
		c.baseURL = url
	}
	c.terminal = ti
	c.enrolled = true
	c.mu.Unlock()
	return nil
}

// deviceKey loads the device key from the state file, generating and storing it (protected: DPAPI on Windows; the
// state file's mode 0600 elsewhere) when create is set and there is none.
func (c *Client) deviceKey(create bool) (ed25519.PrivateKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	keyErr := func(err error) error {
		return &Error{Op: "device key", Message: MsgDeviceKey, Err: fmt.Errorf("%w: %v", ErrDeviceKey, err)}
	}
	var stored []byte
	c.db.View(func(tx *bbolt.Tx) error {
		stored = append([]byte(nil), tx.Bucket(bState).Get([]byte("device_key"))...)
		return nil
	})
	if len(stored) > 0 {
		seed, err := unprotectKey(stored)
		if err == nil && len(seed) != ed25519.SeedSize {
			err = fmt.Errorf("stored key has %d bytes", len(seed))
		}
		if err != nil {
			return nil, keyErr(err)
		}
		c.key = ed25519.NewKeyFromSeed(seed)
		return c.key, nil
	}
	if !create {
		return nil, keyErr(errors.New("no device key (not enrolled on this install)"))
	}
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	prot, err := protectKey(seed)
	if err != nil {
		return nil, keyErr(err)
	}
	err = c.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bState).Put(keyOwnerKey, []byte(keyOwner())); err != nil {
			return err
		}
		return tx.Bucket(bState).Put([]byte("device_key"), prot)
	})
	if err != nil {
		return nil, &Error{Op: "device key", Message: MsgLocalState, Err: err}
	}
	c.key = ed25519.NewKeyFromSeed(seed)
	return c.key, nil
}
