package delivery

// TEMPORARY (branch wt-channel-inbox): the openers of a channel message's
// sealed fields, copied with the same names and bindings from the
// citizen side's portal/delivery/channel_message.go, which is not
// committed yet. Delete this file when that branch is merged: the two
// would declare the same functions.

import (
	"context"
	"fmt"

	"sluis/db"
)

func channelSubjectBinding(uid string) string { return "channel " + uid + " subject" }
func channelNameBinding(uid string) string    { return "channel " + uid + " name" }
func channelFilenameBinding(uid string, i int) string {
	return fmt.Sprintf("channel %s attachment %d name", uid, i)
}

// ChannelSubject opens a channel message's subject.
func (s *Service) ChannelSubject(m db.ChannelMessage) (string, error) {
	b, err := s.opt.Vault.OpenField(m.Subject, channelSubjectBinding(m.UID))
	if err != nil {
		return "", fmt.Errorf("opening the subject of channel message %d: %w", m.ID, err)
	}
	return string(b), nil
}

// ChannelName opens the name the writer gave, "" when none.
func (s *Service) ChannelName(m db.ChannelMessage) (string, error) {
	if m.Name == nil {
		return "", nil
	}
	b, err := s.opt.Vault.OpenField(m.Name, channelNameBinding(m.UID))
	if err != nil {
		return "", fmt.Errorf("opening the name of channel message %d: %w", m.ID, err)
	}
	return string(b), nil
}

// ChannelFileName opens the name of a channel message's file.
func (s *Service) ChannelFileName(m db.ChannelMessage, a db.ChannelAttachment) (string, error) {
	b, err := s.opt.Vault.OpenField(a.Filename, channelFilenameBinding(m.UID, a.Position))
	if err != nil {
		return "", fmt.Errorf("opening the name of channel attachment %d: %w", a.ID, err)
	}
	return string(b), nil
}

// ChannelText reads a channel message's text.
func (s *Service) ChannelText(ctx context.Context, m db.ChannelMessage) (string, error) {
	if m.TextBlob == "" {
		return "", nil
	}
	return s.readBlob(ctx, m.TextBlob, MaxReplyText)
}
