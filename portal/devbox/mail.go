package devbox

import (
	"bufio"
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// readMailHeader fills a mail's From, To and Subject from its header,
// decoded. A header that does not parse (a malformed raw message a test
// sent) leaves the fields empty; a To that is not an address list is shown
// as written.
func readMailHeader(item *Item, r *bufio.Reader) {
	th, err := textproto.ReadHeader(r)
	if err != nil {
		return
	}
	h := gomail.Header{Header: message.Header{Header: th}}
	item.From, _ = h.Text("From")
	item.Subject, _ = h.Subject()
	if list, err := h.AddressList("To"); err == nil {
		for _, a := range list {
			to := a.Address
			if a.Name != "" {
				to = a.Name + " <" + a.Address + ">"
			}
			item.To = append(item.To, to)
		}
		return
	}
	if to, _ := h.Text("To"); strings.TrimSpace(to) != "" {
		item.To = []string{to}
	}
}
