package testenv

import (
	"net"
	"net/smtp"
	"testing"
	"time"
)

func TestSMTP_ReceivesStopsAndComesBack(t *testing.T) {
	e := SMTP(t)
	send := func(subject string) error {
		return smtp.SendMail(e.Addr, nil, "a@example.jp", []string{"b@example.jp"},
			[]byte("To: b@example.jp\r\nSubject: "+subject+"\r\n\r\nbody\r\n"))
	}
	if err := send("one"); err != nil {
		t.Fatal(err)
	}
	ms := e.WaitMessages(t, 1, time.Minute)
	if len(ms) != 1 || ms[0].To != "b@example.jp" || ms[0].Subject != "one" {
		t.Fatalf("%+v", ms)
	}
	e.Stop(t)
	if c, err := net.DialTimeout("tcp", e.Addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the stopped server still accepts connections")
	}
	e.Start(t)
	if err := send("two"); err != nil {
		t.Fatal(err)
	}
	if ms := e.WaitMessages(t, 2, time.Minute); len(ms) != 2 {
		t.Fatalf("%+v", ms)
	}
}
