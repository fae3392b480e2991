package db

import "time"

// The secure channel into an organisation (migration 00019): a public page
// where anyone writes a secure message after proving their own address
// with a mailed code. These are the rows both sides share; the queries live
// beside them in channel_*.go.

// SourceChannel: a recipient's data came from the secure channel (the
// writer proved the address; an answer is verified by a code mailed to it).
const SourceChannel = "secure-channel"

// ChannelSettings are an organisation's settings of its public page.
// Without a stored row the page is on, Inbox is "" (the admins) and no
// intro is shown.
type ChannelSettings struct {
	OrgID     int64
	Enabled   bool
	Inbox     string            // the secure-inbox address; "" = the organisation's admins
	Intro     map[string]string // per language ("nl", "fr", "en"); plain text
	UpdatedAt time.Time
}

// ChannelChallenge is one writer proving an address on the page; once
// VerifiedAt is set it is their session until ExpiresAt.
type ChannelChallenge struct {
	ID            int64
	TokenHash     string
	OrgID         int64
	Address       string
	Network       string
	CodeHash      string // "" when no code is live
	CodeExpiresAt time.Time
	CodeSentAt    time.Time
	CodeFailures  int
	Failures      int
	VerifiedAt    time.Time // zero until a right code
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// ChannelMessage is a message written on the page.
type ChannelMessage struct {
	ID              int64
	UID             string
	OrgID           int64
	Address         string // the address the writer proved
	Name            []byte // sealed by delivery; nil when none was given
	Subject         []byte // sealed by delivery
	TextBlob        string
	Size            int64
	Network         string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	ReadAt          time.Time // zero until a user of the inbox first opened it
	AnsweredAt      time.Time // zero until answered
	AnsweredBy      int64
	AnswerMessageID int64
}

// ChannelAttachment is a file of a channel message.
type ChannelAttachment struct {
	ID               int64
	ChannelMessageID int64
	OrgID            int64
	Position         int
	BlobID           string
	Filename         []byte // sealed by delivery
	ContentType      string
	Size             int64
}
