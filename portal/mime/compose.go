package mime

import "strings"

// Written is a message a user wrote in the web app (an answer to a reply)
// rather than one that arrived as mail.
type Written struct {
	From      Address
	To        []Address
	Subject   string
	Text      string // as typed; a browser sends CRLF line ends
	InReplyTo string // the answered message's identifier, without angle brackets
}

// Compose turns a written message into the Message the rest of Sluis takes,
// holding the promises Parse makes: valid UTF-8, LF line ends, no control
// block in the text, a subject without control characters. It has no HTML,
// no attachments, no Date and no defects. A block typed into the text is
// removed unread: only mail can carry verification data.
func Compose(w Written) *Message {
	text := strings.ReplaceAll(strings.ToValidUTF8(w.Text, "\uFFFD"), "\r\n", "\n")
	return &Message{
		Subject:   strings.TrimSpace(cleanText(w.Subject)),
		From:      w.From,
		To:        append([]Address(nil), w.To...),
		InReplyTo: w.InReplyTo,
		Text:      StripControlBlocks(text),
	}
}
