package platform

// E-mail notices to MyKey ID holders (seed 004 §V(8) and §I.6⑥): points granted, points lapsed. A holder has an
// optional address and chooses which notices to receive (`mkpf-server admin mykeyid notices`). A notice is written to
// the outbox (platform/mail) in the same transaction as the grant or lapse it tells of, so it exists exactly when that
// happened; the sender (StartMailer, a mail.Mailer) delivers it through the SMTP server given to `serve --smtp` and
// then deletes it. A notice says the project or program, the points and the expiry, nothing else personal (no MyKey
// ID, no name); log lines about mail carry the outbox sequence only, never the address.

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	pmail "github.com/mykeyterm/mykeyterm/platform/mail"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Buckets of mail: the holders' choices here, the outbox's in platform/mail.
var (
	bNotices    = []byte("mk_notices") // MyKey ID → noticePrefs
	mailBuckets = [][]byte{bNotices, pmail.BucketOutbox, pmail.BucketDue, pmail.BucketDead}
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
		return kv.PutJSON(tx.Bucket(bNotices), myKeyID, p)
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
	if ok, err := kv.GetJSON(tx.Bucket(bNotices), myKeyID, &p); err != nil || !ok || p.Email == "" {
		return err
	}
	if (kind == NoticeGrant && !p.Grant) || (kind == NoticeLapse && !p.Lapse) ||
		(kind == NoticePassword && !p.Password) || (kind == NoticeMyKeyID && !p.MyKeyID) {
		return nil
	}
	return pmail.Enqueue(tx, pmail.Notice{To: p.Email, Subject: subject, Body: body, Created: now.UTC()})
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

// MailConfig is the SMTP server the notices go through (`serve --smtp`); Mailer is the running sender, MailStats its
// counts (platform/mail).
type (
	MailConfig = pmail.Config
	Mailer     = pmail.Mailer
	MailStats  = pmail.Stats
)

// StartMailer checks cfg and starts delivering the outbox (mail.Start; the sender's display name is the documents'
// 自治体ポイント管理クラウド). A server not on loopback must offer STARTTLS and take the user and password; without them
// StartMailer refuses. Stop the Mailer before closing the Server.
func (s *Server) StartMailer(cfg MailConfig) (*Mailer, error) {
	return pmail.Start(s.db, s.log, mailSender, cfg, &s.mailer)
}

// kickMailer wakes the sender after a commit that queued notices (no-op without a mailer).
func (s *Server) kickMailer() {
	if m := s.mailer.Load(); m != nil {
		m.Kick()
	}
}

// PendingNotices is the number of notices waiting in the outbox.
func (s *Server) PendingNotices() (int, error) { return pmail.Pending(s.db) }

// DeadNotices is the number of notices given up (refused for good or out of attempts); they stay for the operator.
func (s *Server) DeadNotices() (int, error) { return pmail.DeadLetters(s.db) }
