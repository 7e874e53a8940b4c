// Package mail is the platform's outbox of e-mail notices and its SMTP sender. A notice is put into the outbox
// (Enqueue) in the same store transaction as what it tells of, so it exists exactly when that happened; the sender
// goroutine (Start) delivers it through the SMTP server given to `mkpf-server serve --smtp` and then deletes it. An SMTP
// server that is down only delays notices: a failed one stays in the outbox and is tried again with backoff; one
// refused for good, or out of attempts, becomes a dead letter kept for the operator. Log lines carry the outbox
// sequence only, never the address.
//
// Who gets which notice and what it says are package platform's (platform/notices.go); this package holds the
// outbox's buckets in the platform's store (platform/kv) and imports nothing of platform.
package mail

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	gomail "github.com/wneessen/go-mail"
)

// Buckets of the outbox in the platform's store.
var (
	BucketOutbox = []byte("mail_outbox") // sequence (8 bytes, big endian) → Notice
	BucketDue    = []byte("mail_due")    // next try (unix ns, 8 bytes BE; 0: now) + sequence → 1: the outbox by next try
	BucketDead   = []byte("mail_dead")   // sequence → Notice: refused for good, or out of attempts (not retried)
)

// Notice is one e-mail in the outbox (or among the dead letters).
type Notice struct {
	To       string    `json:"to"`
	Subject  string    `json:"subject"`
	Body     string    `json:"body"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts,omitempty"`
	NextTry  time.Time `json:"next_try,omitzero"`
	LastErr  string    `json:"last_error,omitempty"`
	DeadAt   time.Time `json:"dead_at,omitzero"` // in BucketDead: when it was given up
}

// dueKey is a notice's key in BucketDue: its next try (zero: at once) and its outbox sequence.
func dueKey(next time.Time, seq []byte) []byte {
	k := make([]byte, 16)
	if !next.IsZero() {
		binary.BigEndian.PutUint64(k[:8], uint64(next.UnixNano()))
	}
	copy(k[8:], seq)
	return k
}

// Enqueue puts n into the outbox, due at once, in the caller's write transaction.
func Enqueue(tx kv.Tx, n Notice) error {
	b := tx.Bucket(BucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	raw, err := json.Marshal(n)
	if err != nil {
		return err
	}
	if err := b.Put(k[:], raw); err != nil {
		return err
	}
	return tx.Bucket(BucketDue).Put(dueKey(time.Time{}, k[:]), []byte{1})
}

// Config is the SMTP server the notices go through (`serve --smtp`).
type Config struct {
	Addr     string // host:port of the SMTP server
	From     string // envelope and header sender
	User     string // SMTP AUTH user; required (with Password) for a server not on loopback
	Password string

	TLS *tls.Config // STARTTLS settings (nil: the system's roots, the host's name)

	RetryMin time.Duration // backoff after a failed delivery: RetryMin, doubling up to RetryMax; default 5 s
	RetryMax time.Duration // default 10 minutes
	Poll     time.Duration // how often the outbox is looked at without a new notice; default 1 minute
	// MaxAttempts is how many failed deliveries a notice gets before it is dead-lettered (default 450: about three
	// days at the default backoff, an SMTP server down over a weekend included). A permanent refusal (an SMTP 5xx
	// reply, an invalid address) dead-letters it at once.
	MaxAttempts int
}

// isLoopbackHost reports whether host (a name or an address) is this machine only.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Mailer is the running notice sender of a store.
type Mailer struct {
	db      kv.DB
	log     *slog.Logger
	slot    *atomic.Pointer[Mailer]
	name    string // the sender's display name
	cfg     Config
	client  *gomail.Client
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	sent    sync.WaitGroup
	mu      sync.Mutex
	stats   Stats
	running bool
}

// Stats are the sender's counts since it started (for tests and diagnostics).
type Stats struct {
	Sent, Failed int
	Dead         int // notices given up (BucketDead)
	Read         int // outbox records decoded by the sender (the due ones only: the outbox is read by next try)
}

// Start checks cfg and starts delivering db's outbox, as fromName <cfg.From>. A server not on loopback must offer
// STARTTLS and take the user and password; without them Start refuses. slot is where the running sender is kept for
// the store's writers to Kick: Start refuses when it holds one already, Stop empties it. Stop the Mailer before
// closing db.
func Start(db kv.DB, log *slog.Logger, fromName string, cfg Config, slot *atomic.Pointer[Mailer]) (*Mailer, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--smtp %q: want HOST:PORT", cfg.Addr)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("--smtp %q: port is not a number 1-65535", cfg.Addr)
	}
	if a, err := netmail.ParseAddress(cfg.From); err != nil || a.Name != "" {
		return nil, fmt.Errorf("mail sender %q is not a plain address", cfg.From)
	}
	if (cfg.User == "") != (cfg.Password == "") {
		return nil, errors.New("SMTP user and password go together")
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	if isLoopbackHost(host) {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	} else {
		if cfg.User == "" {
			return nil, fmt.Errorf("SMTP server %s is not on loopback: give --smtp-user and --smtp-password-file (STARTTLS and authentication are required)", host)
		}
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.User != "" {
		// PLAIN only over TLS (mandatory off loopback); go-mail refuses PLAIN in the clear except to localhost.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	}
	tc := cfg.TLS
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	opts = append(opts, gomail.WithTLSConfig(tc))
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client: %w", err)
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 5 * time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(10*time.Minute, cfg.RetryMin)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 450
	}
	if err := indexOutbox(db); err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	m := &Mailer{db: db, log: log, slot: slot, name: fromName, cfg: cfg, client: client, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if !slot.CompareAndSwap(nil, m) { // the server's kickMailer wakes it after a commit that queued notices
		return nil, errors.New("a mailer is already running for this server")
	}
	go m.loop()
	return m, nil
}

// Kick makes the sender look at the outbox now.
func (m *Mailer) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Stop ends the sender (a delivery under way finishes first; its notice is then marked).
func (m *Mailer) Stop() {
	m.once.Do(func() {
		close(m.stop)
		<-m.done
		m.slot.CompareAndSwap(m, nil)
	})
}

// Stats are the sender's counts.
func (m *Mailer) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

func (m *Mailer) loop() {
	defer close(m.done)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-m.kick:
		case <-t.C:
		}
		wait := m.deliver()
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

type dueNotice struct {
	key [8]byte
	due []byte // its key in BucketDue
	rec Notice
}

// indexOutbox builds the outbox's index by next try when it does not cover the outbox (a store from before it).
func indexOutbox(db kv.DB) error {
	return db.Update(func(tx kv.Tx) error {
		out, due := tx.Bucket(BucketOutbox), tx.Bucket(BucketDue)
		if out.Stats().KeyN == due.Stats().KeyN {
			return nil
		}
		var old [][]byte
		if err := due.ForEach(func(k, _ []byte) error { old = append(old, append([]byte(nil), k...)); return nil }); err != nil {
			return err
		}
		for _, k := range old {
			if err := due.Delete(k); err != nil {
				return err
			}
		}
		return out.ForEach(func(k, v []byte) error {
			var r Notice
			if json.Unmarshal(v, &r) != nil {
				r = Notice{}
			}
			return due.Put(dueKey(r.NextTry, k), []byte{1})
		})
	})
}

// permanentRefusal reports whether msg's delivery was refused for good (an SMTP 5xx reply).
func permanentRefusal(msg *gomail.Msg) bool {
	var se *gomail.SendError
	return msg != nil && errors.As(msg.SendError(), &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600
}

// mailBatch bounds the notices sent over one SMTP connection.
const mailBatch = 200

// deliver sends the due notices over one connection and marks each delivered one; it returns when to look again.
func (m *Mailer) deliver() time.Duration {
	for {
		select {
		case <-m.stop:
			return m.cfg.Poll
		default:
		}
		now := time.Now()
		var due []dueNotice
		next := now.Add(m.cfg.Poll)
		read := 0
		// The outbox by next try (BucketDue): the due notices come first, the first one not due says when to look
		// again; notices waiting for a retry are not read.
		err := m.db.View(func(tx kv.Tx) error {
			out := tx.Bucket(BucketOutbox)
			c := tx.Bucket(BucketDue).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if len(k) != 16 {
					continue
				}
				if at := int64(binary.BigEndian.Uint64(k[:8])); at > now.UnixNano() {
					if t := time.Unix(0, at); t.Before(next) {
						next = t
					}
					break
				}
				if len(due) == mailBatch {
					next = now
					break
				}
				v := out.Get(k[8:])
				if v == nil {
					continue
				}
				var d dueNotice
				if err := json.Unmarshal(v, &d.rec); err != nil {
					return err
				}
				read++
				copy(d.key[:], k[8:])
				d.due = append([]byte(nil), k...)
				due = append(due, d)
			}
			return nil
		})
		m.mu.Lock()
		m.stats.Read += read
		m.mu.Unlock()
		if err != nil {
			m.log.Error("mail outbox", "err", err)
			return m.cfg.Poll
		}
		if len(due) == 0 {
			return max(time.Until(next), 10*time.Millisecond)
		}
		if !m.send(due) {
			return max(time.Until(next), m.cfg.RetryMin)
		}
	}
}

// send delivers due over one SMTP connection; it reports whether every one was delivered.
func (m *Mailer) send(due []dueNotice) bool {
	msgs := make([]*gomail.Msg, len(due))
	for i, d := range due {
		msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64))
		if err := msg.FromFormat(m.name, m.cfg.From); err != nil {
			msgs[i] = nil
			continue
		}
		if err := msg.To(d.rec.To); err != nil {
			msgs[i] = nil
			continue
		}
		msg.Subject(d.rec.Subject)
		msg.SetDateWithValue(d.rec.Created)
		// A stable Message-ID per notice: a receiver can tell a resend (after a crash between delivery and marking)
		// from a new notice.
		msg.SetMessageIDWithValue(fmt.Sprintf("%d.%d@mykey-platform", d.rec.Created.UnixNano(), binary.BigEndian.Uint64(d.key[:])))
		msg.SetBodyString(gomail.TypeTextPlain, d.rec.Body)
		msgs[i] = msg
	}
	var toSend []*gomail.Msg
	for _, msg := range msgs {
		if msg != nil {
			toSend = append(toSend, msg)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dialErr := m.client.DialWithContext(ctx)
	var sendErr error
	if dialErr == nil {
		sendErr = m.client.Send(toSend...)
		m.client.Close()
	}
	// A failed connection check marks no message: then none was delivered.
	marked := false
	for _, msg := range toSend {
		marked = marked || msg.HasSendError()
	}
	connFailed := dialErr != nil || (sendErr != nil && !marked)
	delivered := make([]bool, len(due))
	for i, msg := range msgs {
		delivered[i] = !connFailed && msg != nil && !msg.HasSendError()
	}
	all := true
	dead := 0
	now := time.Now()
	err := m.db.Update(func(tx kv.Tx) error {
		b, dueB := tx.Bucket(BucketOutbox), tx.Bucket(BucketDue)
		dead = 0
		for i, d := range due {
			msg := msgs[i]
			if err := dueB.Delete(d.due); err != nil {
				return err
			}
			if delivered[i] {
				if err := b.Delete(d.key[:]); err != nil {
					return err
				}
				continue
			}
			all = false
			r := d.rec
			r.Attempts++
			switch {
			case msg == nil:
				r.LastErr = "the address or sender is not valid"
			case dialErr != nil:
				r.LastErr = dialErr.Error()
			case !msg.HasSendError():
				r.LastErr = fmt.Sprint(sendErr)
			default:
				r.LastErr = fmt.Sprint(msg.SendError())
			}
			back := m.cfg.RetryMin << min(r.Attempts-1, 20)
			if back > m.cfg.RetryMax || back <= 0 {
				back = m.cfg.RetryMax
			}
			r.NextTry = now.Add(back)
			if msg == nil || (!connFailed && permanentRefusal(msg)) || r.Attempts >= m.cfg.MaxAttempts {
				// Given up: out of the outbox into the dead letters (kept for the operator, never retried).
				r.DeadAt, r.NextTry = now.UTC(), time.Time{}
				raw, err := json.Marshal(r)
				if err != nil {
					return err
				}
				if err := tx.Bucket(BucketDead).Put(d.key[:], raw); err != nil {
					return err
				}
				if err := b.Delete(d.key[:]); err != nil {
					return err
				}
				dead++
				continue
			}
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put(d.key[:], raw); err != nil {
				return err
			}
			if err := dueB.Put(dueKey(r.NextTry, d.key[:]), []byte{1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		m.log.Error("mail outbox", "err", err)
		return false
	}
	m.mu.Lock()
	for i := range due {
		if delivered[i] {
			m.stats.Sent++
		} else {
			m.stats.Failed++
		}
	}
	m.stats.Dead += dead
	m.mu.Unlock()
	if dead > 0 {
		m.log.Warn("mail notices given up (refused for good by the SMTP server, or out of attempts); kept as dead letters", "notices", dead)
	}
	if !all {
		// The SMTP server's reply may echo the address: log the reply codes only (the dial error names the server).
		if dialErr != nil {
			m.log.Warn("mail notices delayed: the SMTP server is not reachable; they stay in the outbox", "notices", len(due), "err", dialErr)
		} else {
			var replies []string
			for _, msg := range msgs {
				var se *gomail.SendError
				if msg != nil && errors.As(msg.SendError(), &se) {
					replies = append(replies, strconv.Itoa(se.ErrorCode()))
				}
			}
			m.log.Warn("mail notices refused by the SMTP server; they stay in the outbox", "notices", len(due), "smtp_replies", strings.Join(replies, ","))
		}
	}
	return all
}

// Pending is the number of notices waiting in db's outbox.
func Pending(db kv.DB) (int, error) {
	n := 0
	err := db.View(func(tx kv.Tx) error {
		n = tx.Bucket(BucketOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

// DeadLetters is the number of notices given up (refused for good or out of attempts); they stay for the operator.
func DeadLetters(db kv.DB) (int, error) {
	n := 0
	err := db.View(func(tx kv.Tx) error {
		n = tx.Bucket(BucketDead).Stats().KeyN
		return nil
	})
	return n, err
}
