package delivery

import (
	"context"
	"fmt"

	"sluis/db"
)

// OpenAttachment opens the recipient's message's file at a position, to
// download: its name opened and its content streaming. It refuses as
// Read does (db.ErrNotFound, ErrClosed); an unknown position is
// db.ErrNotFound.
func (s *Service) OpenAttachment(ctx context.Context, orgID, recipientID int64, position int) (File, error) {
	msg, a, err := s.recipientFile(ctx, orgID, recipientID, position)
	if err != nil {
		return File{}, err
	}
	name, err := s.attachmentName(msg, a)
	if err != nil {
		return File{}, err
	}
	return s.openFile(ctx, a.BlobID, Attachment{Position: a.Position, Name: name, Size: a.Size, ContentType: a.ContentType})
}

// OpenInlineImage opens an image the recipient's message's body shows by
// its cid: reference; any other part is db.ErrNotFound.
func (s *Service) OpenInlineImage(ctx context.Context, orgID, recipientID int64, position int) (File, error) {
	_, a, err := s.recipientFile(ctx, orgID, recipientID, position)
	if err != nil {
		return File{}, err
	}
	if !embedded(a) {
		return File{}, fmt.Errorf("part %d is not an inline image: %w", position, db.ErrNotFound)
	}
	return s.openFile(ctx, a.BlobID, Attachment{Position: a.Position, Size: a.Size, ContentType: a.ContentType, Inline: a.Inline})
}

// recipientFile finds the part at a position of a message the recipient
// may read.
func (s *Service) recipientFile(ctx context.Context, orgID, recipientID int64, position int) (db.Message, db.Attachment, error) {
	msg, _, err := s.readable(ctx, orgID, recipientID)
	if err != nil {
		return db.Message{}, db.Attachment{}, err
	}
	atts, err := s.opt.Store.Attachments(ctx, msg.OrgID, msg.ID)
	if err != nil {
		return db.Message{}, db.Attachment{}, err
	}
	for _, a := range atts {
		if a.Position == position {
			return msg, a, nil
		}
	}
	return db.Message{}, db.Attachment{}, fmt.Errorf("message %d has no part %d: %w", msg.ID, position, db.ErrNotFound)
}

// openFile starts decrypting a blob.
func (s *Service) openFile(ctx context.Context, blobID string, a Attachment) (File, error) {
	body, err := s.opt.Vault.Open(ctx, blobID)
	if err != nil {
		return File{}, err
	}
	return File{Attachment: a, Body: body}, nil
}
