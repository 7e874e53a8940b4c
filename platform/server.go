package platform

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/pki"
)

// Options configure a Server. The zero value is usable: defaults are filled in by Open.
type Options struct {
	Logger *slog.Logger     // defaults to a discarding logger
	Now    func() time.Time // defaults to time.Now; tests move the clock

	TokenTTL     time.Duration // bearer token lifetime; default 15 minutes
	ChallengeTTL time.Duration // device-key challenge lifetime; default 1 minute
	// PointsSessionTTL is how long a screen-2 login lasts (a working day); default 12 hours.
	PointsSessionTTL time.Duration

	// Failed logins and enrollments: at most LoginFailures per LoginWindow per terminal ID, and
	// AddrFailures per LoginWindow per source address, then refused until the window passes.
	LoginFailures int           // default 5
	AddrFailures  int           // default 20
	LoginWindow   time.Duration // default 15 minutes

	// Argon2id cost of stored passwords; defaults time 2, memory 19 MiB, threads 1 (OWASP minimum).
	Argon2Time   uint32
	Argon2Memory uint32 // KiB

	// ExtraAuthRoots / ExtraSignRoots are trusted JPKI roots in addition to those stored in the database.
	ExtraAuthRoots []*x509.Certificate
	ExtraSignRoots []*x509.Certificate

	// Argon2Concurrency is how many password hashes may run at once (each takes Argon2Memory); default 2.
	Argon2Concurrency int

	// SecretKey is the operator key (32 bytes) that seals the secrets in the store (platform/secrets); nil stores them
	// plain (demo and tests only: serve warns).
	SecretKey []byte

	// CounterFlush is how often the in-memory aggregate counters are written to the database; default 10 s.
	CounterFlush time.Duration
}

func (o *Options) fill() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = 15 * time.Minute
	}
	if o.PointsSessionTTL == 0 {
		o.PointsSessionTTL = 12 * time.Hour
	}
	if o.ChallengeTTL == 0 {
		o.ChallengeTTL = time.Minute
	}
	if o.LoginFailures == 0 {
		o.LoginFailures = 5
	}
	if o.AddrFailures == 0 {
		o.AddrFailures = 20
	}
	if o.LoginWindow == 0 {
		o.LoginWindow = 15 * time.Minute
	}
	if o.Argon2Time == 0 {
		o.Argon2Time = 2
	}
	if o.Argon2Memory == 0 {
		o.Argon2Memory = 19 * 1024
	}
	if o.Argon2Concurrency <= 0 {
		o.Argon2Concurrency = 2
	}
	if o.CounterFlush == 0 {
		o.CounterFlush = 10 * time.Second
	}
}

// Server is the reference platform. It is safe for concurrent use.
type Server struct {
	db   kv.DB
	opts Options
	log  *slog.Logger
	now  func() time.Time

	// argonSem bounds the password hashes running at once; authKeyCache holds the store's auth HMAC key.
	argonSem     chan struct{}
	authKeyCache atomic.Pointer[[]byte]

	counters *counters
	roots    pki.Roots
	mux      *http.ServeMux

	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}

	// State of the points and mail halves, made by them: the points state (pointRoutes, during Open), the
	// screen-87 answer cache, the certificate-chain cache, the running Mailer.
	points *pointsState
	aggs   atomic.Pointer[aggCache]
	certs  pki.ChainCache
	mailer atomic.Pointer[Mailer]
}

// ErrDatabase is wrapped by Open when the database file cannot be used.
var ErrDatabase = errors.New("platform: cannot open database")

// Open opens the store at dbPath and prepares the server: a bbolt file (created when missing), or a PostgreSQL URL
// (postgres://…, migrations applied; any number of servers may share it). It refuses a store it cannot open (a file
// locked by another process, not a bbolt file, unreadable; a database out of reach) and says why.
func Open(dbPath string, opts Options) (*Server, error) {
	opts.fill()
	db, err := openStore(dbPath)
	if err != nil {
		return nil, err
	}
	if err := initSchema(db); err != nil {
		_ = db.Close() // the error that stopped the opening is the one to report
		return nil, fmt.Errorf("%w %s: %v", ErrDatabase, RedactStore(dbPath), err)
	}
	s := &Server{
		db:       db,
		opts:     opts,
		log:      opts.Logger,
		now:      opts.Now,
		argonSem: make(chan struct{}, opts.Argon2Concurrency),
		counters: newCounters(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if len(opts.SecretKey) != 0 && len(opts.SecretKey) != 32 {
		_ = db.Close() // the error that stopped the opening is the one to report
		return nil, fmt.Errorf("%w %s: the operator key must be 32 bytes", ErrDatabase, RedactStore(dbPath))
	}
	sealed, err := s.resealSecrets()
	if err == nil && sealed && kv.BoltOf(db) != nil {
		err = s.compactAfterSealing(dbPath) // secrets_store.go
	}
	if err == nil {
		err = s.loadAuthKey()
	}
	if err != nil {
		_ = s.db.Close() // the error that stopped the opening is the one to report
		return nil, fmt.Errorf("%w %s: %v", ErrDatabase, RedactStore(dbPath), err)
	}
	s.mux = s.routes()
	go s.flushLoop()
	return s, nil
}

// DB is the server's store (bbolt or PostgreSQL), for the points half of the server and for tools.
func (s *Server) DB() kv.DB { return s.db }

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.now() }

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler { return s.mux }

// Close flushes the aggregate counters and closes the database.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.flushCounters()
		err = s.db.Close()
	})
	return err
}

func (s *Server) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(s.opts.CounterFlush)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.flushCounters()
			s.sweepThrottles()
		}
	}
}
