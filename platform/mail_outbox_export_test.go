package platform

import "github.com/mykeyterm/mykeyterm/platform/kv"

// QueueNoticeForTest queues a notice as a grant or lapse does (when the holder chose kind) and wakes the sender.
func QueueNoticeForTest(s *Server, myKeyID, kind, subject, body string) error {
	err := s.db.Update(func(tx kv.Tx) error { return queueNotice(tx, s.now(), myKeyID, kind, subject, body) })
	s.kickMailer()
	return err
}
