package delivery

import (
	"fmt"

	"sluis/db"
	"sluis/portal/vault"
)

// The database keeps the short fields of a message sealed: its subject
// and the names of its files (and of a reply's files). Each is sealed
// under a binding that names its row, so a sealed value copied into
// another row does not open. The bindings are this package's secret
// contract with the stored data: only delivery seals and opens these
// fields, and other packages get plaintext through its calls (receipts
// through OpenSubject).

// subjectBinding is the sealed-field binding of a message's subject.
func subjectBinding(uid string) string { return "message " + uid + " subject" }

// filenameBinding is the sealed-field binding of an attachment's file name.
func filenameBinding(uid string, i int) string {
	return fmt.Sprintf("message %s attachment %d name", uid, i)
}

// replyFilenameBinding is the sealed-field binding of a reply file's name.
func replyFilenameBinding(uid string, i int) string {
	return fmt.Sprintf("reply %s attachment %d name", uid, i)
}

// OpenSubject opens a stored message's subject, for the packages that
// mail about a message without reading it (portal/receipts).
func OpenSubject(v *vault.Vault, msg db.Message) (string, error) {
	b, err := v.OpenField(msg.Subject, subjectBinding(msg.UID))
	if err != nil {
		return "", fmt.Errorf("opening the subject of message %d: %w", msg.ID, err)
	}
	return string(b), nil
}

// subject opens a stored message's subject.
func (s *Service) subject(msg db.Message) (string, error) { return OpenSubject(s.opt.Vault, msg) }

// attachmentName opens the file name of a message's attachment.
func (s *Service) attachmentName(msg db.Message, a db.Attachment) (string, error) {
	b, err := s.opt.Vault.OpenField(a.Filename, filenameBinding(msg.UID, a.Position))
	if err != nil {
		return "", fmt.Errorf("opening the name of attachment %d: %w", a.ID, err)
	}
	return string(b), nil
}

// replyFileName opens the file name of a reply's file.
func (s *Service) replyFileName(r db.Reply, a db.ReplyAttachment) (string, error) {
	b, err := s.opt.Vault.OpenField(a.Filename, replyFilenameBinding(r.UID, a.Position))
	if err != nil {
		return "", fmt.Errorf("opening the name of reply file %d: %w", a.ID, err)
	}
	return string(b), nil
}
