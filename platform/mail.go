package platform

// E-mail notices to MyKey ID holders (seed 004 §V(8) and §I.6⑥): points granted, points lapsed. A holder has an
// optional address and chooses which notices to receive (`mkpf-server admin mykeyid notices`). A notice is written to
// the outbox bucket in the same transaction as the grant or lapse it tells of, so it exists exactly when that
// happened; the sender goroutine (StartMailer) delivers it through the SMTP server given to `serve --smtp` and then
// deletes it. An SMTP server that is down only delays notices: a failed one stays in the outbox and is tried again
// with backoff. A notice says the project or program, the points and the expiry, nothing else personal (no MyKey ID,
// no name); log lines about mail carry the outbox sequence only, never the address.

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	gomail "github.com/wneessen/go-mail"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Buckets of mail.
var (
	bNotices    = []byte("mk_notices")  // MyKey ID → noticePrefs
	bOutbox     = []byte("mail_outbox") // sequence (8 bytes, big endian) → outboxRec
	bMailDue    = []byte("mail_due")    // next try (unix ns, 8 bytes BE; 0: now) + sequence → 1: the outbox by next try
	bMailDead   = []byte("mail_dead")   // sequence → outboxRec: refused for good, or out of attempts (not retried)
	mailBuckets = [][]byte{bNotices, bOutbox, bMailDue, bMailDead}
)

// Notice kinds a holder may choose.
const (
	NoticeGrant = "grant" // points granted (ポイント付与のお知らせ)
	NoticeLapse = "lapse" // points lapsed (ポイント失効のお知らせ)
)

type noticePrefs struct {
	Email string `json:"email"`
	Grant bool   `json:"grant,omitempty"`
	Lapse bool   `json:"lapse,omitempty"`
	// Password and MyKeyID are the patron desk's choices (mykeyid.go).
	Password bool `json:"password,omitempty"`
	MyKeyID  bool `json:"mykeyid,omitempty"`
}

type outboxRec struct {
	To       string    `json:"to"`
	Subject  string    `json:"subject"`
	Body     string    `json:"body"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts,omitempty"`
	NextTry  time.Time `json:"next_try,omitzero"`
	LastErr  string    `json:"last_error,omitempty"`
	DeadAt   time.Time `json:"dead_at,omitzero"` // in bMailDead: when it was given up
}

// dueKey is a notice's key in bMailDue: its next try (zero: at once) and its outbox sequence.
func dueKey(next time.Time, seq []byte) []byte {
	k := make([]byte, 16)
	if !next.IsZero() {
		binary.BigEndian.PutUint64(k[:8], uint64(next.UnixNano()))
	}
	copy(k[8:], seq)
	return k
}

// SetNotices sets a MyKey ID's e-mail address and notice choices (kinds: NoticeGrant, NoticeLapse). An empty email
// removes the address and every choice.
func (s *Server) SetNotices(myKeyID, email string, kinds []string) error {
	p, err := parseNotices(email, kinds)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx kv.Tx) error {
		if ok, err := patronExists(tx, myKeyID); err != nil || !ok {
			return errors.Join(err, fmt.Errorf("MyKey ID %q not found", myKeyID))
		}
		if p.Email == "" {
			return tx.Bucket(bNotices).Delete([]byte(myKeyID))
		}
		return putJSON(tx.Bucket(bNotices), myKeyID, p)
	})
}

// CheckNotices checks an e-mail address and notice choices as SetNotices would (before a MyKey ID is created).
func CheckNotices(email string, kinds []string) error {
	_, err := parseNotices(email, kinds)
	return err
}

func parseNotices(email string, kinds []string) (noticePrefs, error) {
	email = strings.TrimSpace(email)
	var p noticePrefs
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Name != "" || a.Address != email || strings.ContainsAny(email, "\r\n") {
			return p, fmt.Errorf("e-mail address %q is not a plain address like name@example.jp", email)
		}
		p.Email = email
	}
	for _, k := range kinds {
		switch strings.TrimSpace(k) {
		case NoticeGrant:
			p.Grant = true
		case NoticeLapse:
			p.Lapse = true
		case NoticePassword:
			p.Password = true
		case NoticeMyKeyID:
			p.MyKeyID = true
		case "":
		default:
			return p, fmt.Errorf("notice %q: want grant, lapse, password or mykeyid", k)
		}
	}
	if (p.Grant || p.Lapse || p.Password || p.MyKeyID) && p.Email == "" {
		return p, errors.New("notices need an e-mail address (--email)")
	}
	return p, nil
}

// queueNotice puts one notice into the outbox when the holder chose kind (in the caller's write transaction).
func queueNotice(tx kv.Tx, now time.Time, myKeyID, kind, subject, body string) error {
	var p noticePrefs
	if ok, err := getJSON(tx.Bucket(bNotices), myKeyID, &p); err != nil || !ok || p.Email == "" {
		return err
	}
	if (kind == NoticeGrant && !p.Grant) || (kind == NoticeLapse && !p.Lapse) ||
		(kind == NoticePassword && !p.Password) || (kind == NoticeMyKeyID && !p.MyKeyID) {
		return nil
	}
	b := tx.Bucket(bOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	raw, err := json.Marshal(outboxRec{To: p.Email, Subject: subject, Body: body, Created: now.UTC()})
	if err != nil {
		return err
	}
	if err := b.Put(k[:], raw); err != nil {
		return err
	}
	return tx.Bucket(bMailDue).Put(dueKey(time.Time{}, k[:]), []byte{1})
}

// mailOpening and mailSender name the sender as the documents do (seed 000/004 §I.6⑥: 「自治体ポイント管理クラウドからの
// メール通知」).
const (
	mailSender  = "自治体ポイント管理クラウド"
	mailOpening = mailSender + "からのお知らせです。"
)

const mailFooter = "\n\nこのメールは" + mailSender + "から送信専用のアドレスでお送りしています。返信はできません。\n" +
	"お知らせの受け取りの変更・停止は、利用者マイページの「利用者情報の変更」でできます（利用者窓口でもご利用いただけます）。\n"

// expiryText says until when granted points of p can be used, for a grant on now.
func expiryText(p *mkpf.Program, now time.Time) string {
	switch {
	case p.ExpiryMonths > 0:
		t := now.In(jst).AddDate(0, p.ExpiryMonths, 0).Format("2006年1月2日")
		if p.ExpiryRule != "" {
			return t + "まで（" + p.ExpiryRule + "）"
		}
		return t + "まで"
	case p.ValidTo != "":
		if t, err := time.Parse("2006-01-02", p.ValidTo); err == nil {
			return t.Format("2006年1月2日") + "まで"
		}
		return p.ValidTo + "まで"
	case p.ExpiryRule != "":
		return p.ExpiryRule
	}
	return "期限はありません"
}

func (s *Server) queueGrantNotice(tx kv.Tx, now, tapped time.Time, myKeyID string, gp *grantProjectRec, p *mkpf.Program) error {
	muni := municipalityName(tx, p.MunicipalityCode)
	subject := "【" + muni + "】ポイント付与のお知らせ"
	if tapped.IsZero() {
		tapped = now
	}
	body := mailOpening + "\n\n次のとおりポイントが付与されました。\n\n" +
		"　ポイント付与事業：" + gp.Name + "\n" +
		"　ポイント：" + p.Name + "　" + groupDigits(gp.PointsPerPerson) + "ポイント\n" +
		"　付与日：" + tapped.In(jst).Format("2006年1月2日") + "\n" + // the day of the tap (grants_tapdate.go)
		"　有効期限：" + expiryText(p, now) + mailFooter
	return queueNotice(tx, now, myKeyID, NoticeGrant, subject, body)
}

func queueLapseNotice(tx kv.Tx, now time.Time, myKeyID, programID string, points int64) error {
	p, err := getProgram(tx, programID)
	if err != nil || p == nil {
		return err
	}
	subject := "【" + municipalityName(tx, p.MunicipalityCode) + "】ポイント失効のお知らせ"
	body := mailOpening + "\n\n有効期限を過ぎたため、次のポイントが失効しました。\n\n" +
		"　ポイント：" + p.Name + "　" + groupDigits(points) + "ポイント\n" +
		"　失効日：" + now.In(jst).Format("2006年1月2日") + "\n"
	switch {
	case p.ExpiryRule != "":
		body += "　有効期限の決まり：" + p.ExpiryRule + "\n"
	case p.ExpiryMonths > 0:
		body += fmt.Sprintf("　有効期限の決まり：付与日から%dか月\n", p.ExpiryMonths)
	}
	body += strings.TrimPrefix(mailFooter, "\n")
	return queueNotice(tx, now, myKeyID, NoticeLapse, subject, body)
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// MailConfig is the SMTP server the notices go through (`serve --smtp`).
type MailConfig struct {
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

// Mailer is the running notice sender of a Server.
type Mailer struct {
	s       *Server
	cfg     MailConfig
	client  *gomail.Client
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	sent    sync.WaitGroup
	mu      sync.Mutex
	stats   MailStats
	running bool
}

// MailStats are the sender's counts since it started (for tests and diagnostics).
type MailStats struct {
	Sent, Failed int
	Dead         int // notices given up (bMailDead)
	Read         int // outbox records decoded by the sender (the due ones only: the outbox is read by next try)
}

// StartMailer checks cfg and starts delivering the outbox. A server not on loopback must offer STARTTLS and take
// the user and password; without them StartMailer refuses. Stop the Mailer before closing the Server.
func (s *Server) StartMailer(cfg MailConfig) (*Mailer, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("--smtp %q: want HOST:PORT", cfg.Addr)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("--smtp %q: port is not a number 1-65535", cfg.Addr)
	}
	if a, err := mail.ParseAddress(cfg.From); err != nil || a.Name != "" {
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
	if err := s.indexOutbox(); err != nil {
		return nil, fmt.Errorf("mail outbox: %w", err)
	}
	m := &Mailer{s: s, cfg: cfg, client: client, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if !s.mailer.CompareAndSwap(nil, m) { // Server.mailer: kickMailer wakes it after a commit that queued notices
		return nil, errors.New("a mailer is already running for this server")
	}
	go m.loop()
	return m, nil
}

// kickMailer wakes the sender after a commit that queued notices (no-op without a mailer).
func (s *Server) kickMailer() {
	if m := s.mailer.Load(); m != nil {
		m.Kick()
	}
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
		m.s.mailer.CompareAndSwap(m, nil)
	})
}

// Stats are the sender's counts.
func (m *Mailer) Stats() MailStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// PendingNotices is the number of notices waiting in the outbox.
func (s *Server) PendingNotices() (int, error) {
	n := 0
	err := s.db.View(func(tx kv.Tx) error {
		n = tx.Bucket(bOutbox).Stats().KeyN
		return nil
	})
	return n, err
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
	due []byte // its key in bMailDue
	rec outboxRec
}

// indexOutbox builds the outbox's index by next try when it does not cover the outbox (a store from before it).
func (s *Server) indexOutbox() error {
	return s.db.Update(func(tx kv.Tx) error {
		out, due := tx.Bucket(bOutbox), tx.Bucket(bMailDue)
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
			var r outboxRec
			if json.Unmarshal(v, &r) != nil {
				r = outboxRec{}
			}
			return due.Put(dueKey(r.NextTry, k), []byte{1})
		})
	})
}

// DeadNotices is the number of notices given up (refused for good or out of attempts); they stay for the operator.
func (s *Server) DeadNotices() (int, error) {
	n := 0
	err := s.db.View(func(tx kv.Tx) error {
		n = tx.Bucket(bMailDead).Stats().KeyN
		return nil
	})
	return n, err
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
		// The outbox by next try (bMailDue): the due notices come first, the first one not due says when to look
		// again; notices waiting for a retry are not read.
		err := m.s.db.View(func(tx kv.Tx) error {
			out := tx.Bucket(bOutbox)
			c := tx.Bucket(bMailDue).Cursor()
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
			m.s.log.Error("mail outbox", "err", err)
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
		if err := msg.FromFormat(mailSender, m.cfg.From); err != nil {
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
	err := m.s.db.Update(func(tx kv.Tx) error {
		b, dueB := tx.Bucket(bOutbox), tx.Bucket(bMailDue)
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
				if err := tx.Bucket(bMailDead).Put(d.key[:], raw); err != nil {
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
		m.s.log.Error("mail outbox", "err", err)
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
		m.s.log.Warn("mail notices given up (refused for good by the SMTP server, or out of attempts); kept as dead letters", "notices", dead)
	}
	if !all {
		// The SMTP server's reply may echo the address: log the reply codes only (the dial error names the server).
		if dialErr != nil {
			m.s.log.Warn("mail notices delayed: the SMTP server is not reachable; they stay in the outbox", "notices", len(due), "err", dialErr)
		} else {
			var replies []string
			for _, msg := range msgs {
				var se *gomail.SendError
				if msg != nil && errors.As(msg.SendError(), &se) {
					replies = append(replies, strconv.Itoa(se.ErrorCode()))
				}
			}
			m.s.log.Warn("mail notices refused by the SMTP server; they stay in the outbox", "notices", len(due), "smtp_replies", strings.Join(replies, ","))
		}
	}
	return all
}
