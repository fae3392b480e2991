package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sluis/db"
	"sluis/portal/mime"
	"sluis/portal/policy"
)

// Incoming is one message as the intake accepted it.
type Incoming struct {
	User    db.User
	Rcpts   []string // envelope recipients, normalised and deduplicated; Bcc included
	Message *mime.Message
	Size    int64
	SHA256  string // hex SHA-256 of the message as received, kept for the proof of delivery
}

// Submit resolves every recipient and stores the message, held when any
// recipient lacks data or the control block has an error, released
// otherwise, together with the jobs that notify people. It returns nil
// only once all of it is durably committed.
func (s *Service) Submit(ctx context.Context, in *Incoming) error {
	if len(in.Rcpts) == 0 {
		return errors.New("a message needs at least one recipient")
	}
	pol, err := s.unitSettings(ctx, in.User)
	if err != nil {
		return err
	}
	if err := checkSize(pol, in.Size); err != nil {
		return err
	}
	org, err := s.opt.Store.Org(ctx, in.User.OrgID)
	if err != nil {
		return unavailable("the sender's organisation", err)
	}
	rcpts := classify(in)
	res := newResolver(s, org, in.User, in.Message.Control, pol)
	for i := range rcpts {
		if err := res.resolve(ctx, &rcpts[i]); err != nil {
			return err
		}
	}
	nm, blobs, err := s.newMessage(ctx, org, in, rcpts, pol)
	if err != nil {
		return err
	}
	err = s.commits.commit(ctx, nm)
	if err != nil {
		s.deleteBlobs(blobs)
		return fmt.Errorf("storing message: %w", err)
	}
	s.supersedeDrafts(ctx, nm, in.Message.Subject)
	return nil
}

// notifyAttempts bounds a notification's tries: with River's back-off the
// last comes about a week after the first, long enough for a relay outage.
const notifyAttempts = 20

// enqueueNotifications adds one notification job per recipient: the same
// path for mail released at intake and drafts released later.
func (s *Service) enqueueNotifications(ctx context.Context, tx *db.Tx, rcpts []db.Recipient) error {
	return s.enqueue(ctx, tx, notifyJobs(rcpts))
}

// classify turns the envelope into recipients, each marked to, cc or bcc
// by the headers (an envelope address in neither header is a Bcc).
func classify(in *Incoming) []db.Recipient {
	field := map[string]string{}
	for _, a := range in.Message.Cc {
		field[fold(a.Addr)] = "cc"
	}
	for _, a := range in.Message.To {
		field[fold(a.Addr)] = "to"
	}
	out := make([]db.Recipient, 0, len(in.Rcpts))
	for _, addr := range in.Rcpts {
		f := field[fold(addr)]
		if f == "" {
			f = "bcc"
		}
		out = append(out, db.Recipient{Address: addr, Field: f})
	}
	return out
}

// newMessage stores the bodies as encrypted blobs and builds the rows.
func (s *Service) newMessage(ctx context.Context, org db.Org, in *Incoming, rcpts []db.Recipient, pol policy.Settings) (*db.NewMessage, []string, error) {
	uid, err := newUID()
	if err != nil {
		return nil, nil, err
	}
	now := s.opt.Now().UTC()
	problems := lineProblems(in.Message.Control, rcpts)
	m := db.Message{UID: uid, OrgID: org.ID, SenderID: in.User.ID, UnitID: in.User.UnitID, State: db.StateReleased,
		HeaderMessageID: in.Message.MessageID, Size: in.Size, RawSHA256: in.SHA256, CreatedAt: now, ReleasedAt: now, ExpiresAt: now.Add(pol.MessageRetention)}
	if held(rcpts, problems) {
		m.State, m.ReleasedAt, m.ExpiresAt = db.StateHeld, time.Time{}, now.Add(pol.DraftRetention)
	}
	if len(problems) > 0 {
		b, _ := json.Marshal(problems)
		m.Problems = string(b)
	}
	if m.Defects, err = defectsJSON(in.Message.Defects); err != nil {
		return nil, nil, err
	}
	if len(in.Message.DispositionNotificationTo) > 0 {
		m.ReceiptTo = in.Message.DispositionNotificationTo[0].Addr
	}
	if m.Subject, err = s.opt.Vault.SealField([]byte(in.Message.Subject), subjectBinding(uid)); err != nil {
		return nil, nil, err
	}
	var blobs []string
	if m.TextBlob, err = s.putBody(ctx, in.Message.Text, &blobs); err == nil {
		m.HTMLBlob, err = s.putBody(ctx, in.Message.HTML, &blobs)
	}
	if err != nil {
		s.deleteBlobs(blobs)
		return nil, nil, fmt.Errorf("storing body: %w", err)
	}
	nm := &db.NewMessage{Message: m, Recipients: rcpts}
	if err := s.finishRows(nm, in.Message.Attachments, now); err != nil {
		s.deleteBlobs(blobs)
		return nil, nil, err
	}
	return nm, blobs, nil
}

func (s *Service) finishRows(nm *db.NewMessage, atts []mime.Attachment, now time.Time) error {
	for i, a := range atts {
		name, err := s.opt.Vault.SealField([]byte(a.Filename), filenameBinding(nm.Message.UID, i))
		if err != nil {
			return err
		}
		nm.Attachments = append(nm.Attachments, db.Attachment{BlobID: a.Ref, Filename: name, ContentType: a.ContentType,
			ContentID: a.ContentID, Inline: a.Inline, Size: a.Size})
	}
	for i := range nm.Recipients {
		rc := &nm.Recipients[i]
		nonce, hash, err := s.newLink()
		if err != nil {
			return err
		}
		rc.LinkNonce, rc.TokenHash, rc.StatusAt = nonce, hash, now
	}
	return nil
}

// defectsJSON is what the parser repaired, as stored with the message: kinds
// and places only, "" when there was nothing to repair.
func defectsJSON(defects []mime.Defect) (string, error) {
	if len(defects) == 0 {
		return "", nil
	}
	b, err := json.Marshal(defects)
	if err != nil {
		return "", fmt.Errorf("recording the message's defects: %w", err)
	}
	return string(b), nil
}

func held(rcpts []db.Recipient, problems []LineProblem) bool {
	if len(problems) > 0 {
		return true
	}
	for _, rc := range rcpts {
		if rc.Problem != "" {
			return true
		}
	}
	return false
}

func (s *Service) putBody(ctx context.Context, body string, blobs *[]string) (string, error) {
	if body == "" {
		return "", nil
	}
	id, _, err := s.opt.Vault.Put(ctx, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	*blobs = append(*blobs, id)
	return id, nil
}

func (s *Service) deleteBlobs(ids []string) {
	for _, id := range ids {
		if err := s.opt.Vault.Delete(context.Background(), id); err != nil {
			s.opt.Logger.Warn("removing a blob of a failed submission", "err", err)
		}
	}
}
