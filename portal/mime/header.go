package mime

import (
	stdmime "mime"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// wordDecoder decodes RFC 2047 encoded-words in every charset go-message
// knows.
var wordDecoder = &stdmime.WordDecoder{CharsetReader: charset.Reader}

// envelope reads the header fields a Message carries. Nothing here refuses
// mail: a field that cannot be read is left empty.
func envelope(h message.Header) *Message {
	m := &Message{
		Subject:                   headerText(h.Get("Subject")),
		To:                        addressList(h, "To"),
		Cc:                        addressList(h, "Cc"),
		DispositionNotificationTo: addressList(h, "Disposition-Notification-To"),
		MessageID:                 firstID(h.Get("Message-Id")),
		InReplyTo:                 firstID(h.Get("In-Reply-To")),
	}
	if from := addressList(h, "From"); len(from) > 0 {
		m.From = from[0]
	}
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		m.Date = d
	}
	return m
}

// headerText decodes an unstructured field value: raw 8-bit bytes first,
// then encoded-words. A word in an unknown charset leaves the value as
// written.
func headerText(v string) string {
	v = fix8bit(v)
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		v = d
	}
	return strings.TrimSpace(cleanText(v))
}

// fix8bit reads raw 8-bit header bytes as UTF-8 when they are (RFC 6532),
// and as Windows-1252 otherwise, the usual legacy charset and a superset of
// Latin-1 for every printable character.
func fix8bit(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	d, err := charmap.Windows1252.NewDecoder().String(v)
	if err != nil {
		return strings.ToValidUTF8(v, "\uFFFD")
	}
	return d
}

// cleanText makes untrusted text safe to put in a field or a page: valid
// UTF-8, and every control character (CR and LF from an encoded-word
// included) turned into a space.
func cleanText(s string) string {
	s = strings.ToValidUTF8(fix8bit(s), "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// addressList reads every address of every field named key. When the list
// does not parse as a whole, each comma-separated entry is tried on its own
// so that one broken entry does not lose the others.
func addressList(h message.Header, key string) []Address {
	v := fix8bit(strings.Join(h.Values(key), ", "))
	if strings.TrimSpace(v) == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(v); err == nil {
		return convert(list)
	}
	var list []*mail.Address
	for _, entry := range splitList(v) {
		if a, err := p.Parse(entry); err == nil {
			list = append(list, a)
		}
	}
	return convert(list)
}

func convert(list []*mail.Address) []Address {
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, Address{Name: strings.TrimSpace(cleanText(a.Name)), Addr: lowerDomain(a.Address)})
	}
	return out
}

// splitList splits an address list at the commas that are outside quotes,
// comments and angle brackets.
func splitList(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '<':
			depth++
		case (c == ')' || c == '>') && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// lowerDomain lower-cases the domain of an address; the local part is kept
// as written (RFC 5321 lets the receiving host treat it case-sensitively).
func lowerDomain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr
	}
	return addr[:i] + strings.ToLower(addr[i:])
}

// firstID returns the first message identifier of a field, without angle
// brackets, or the first word when there are none. go-message's MsgIDList
// is not used: it builds comments one byte at a time, which makes a 250 KB
// "(..." field take half a minute.
func firstID(v string) string {
	v = cleanText(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '>'); j >= 0 {
			return truncate(strings.TrimSpace(v[i+1:i+1+j]), maxIDBytes)
		}
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	return truncate(strings.Trim(f[0], "<>"), maxIDBytes)
}

// maxIDBytes is the longest identifier kept: a header line's length.
const maxIDBytes = 998
