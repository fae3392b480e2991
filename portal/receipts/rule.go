// Package receipts owns read receipts: the rule that decides, for one
// reader of one message, whether a receipt is asked for, sent on its own
// or not at all (DESIGN, "Read receipts", the Google Workspace model), the
// RFC 8098 message disposition notification that carries it, and the job
// that sends it to the requester through the relay.
//
// Privacy is the point of the rule: a receipt tells someone when a person
// read a message. So a request is honoured only when the sender's unit
// allows receipts to the requester's address, a reader outside the
// organisation is always asked (no admin binds them), a reader of the
// organisation follows their own unit's rule, and a message that reached
// the reader through a group, a list or an alias never yields one (it
// would report on behalf of an address that is not the reader's own).
package receipts

import (
	"strings"

	"sluis/portal/policy"
)

// Decision is what happens when a reader opens a message.
type Decision int

// Decisions.
const (
	None Decision = iota // no receipt, no question
	Ask                  // ask the reader "send a read receipt?"
	Auto                 // send the receipt without asking
)

func (d Decision) String() string { return [...]string{"none", "ask", "auto"}[d] }

// Addressing is how the message reached the reader.
type Addressing int

// Ways a message reaches a reader.
const (
	Direct  Addressing = iota // the reader's own address
	Group                     // a group or list of the organisation
	Alias                     // another address of a user
	Unknown                   // an address at the organisation's domains that is nobody's
)

// Case is everything the rule looks at.
type Case struct {
	Requester  string               // the address the receipt would go to; "" when none was requested
	OrgDomains []string             // the organisation's own domains
	Sender     policy.ReceiptPolicy // the sender's unit's rule
	External   bool                 // the reader is outside the organisation
	Reader     policy.ReceiptPolicy // the reader's unit's rule (internal readers only)
	Addressing Addressing
}

// Decide applies the rule:
//
//  1. no request, or the sender's unit has receipts off: none;
//  2. the sender's unit is internal_allowlist and the requester is neither
//     at the organisation's domains nor on its allowlist: none;
//  3. a group, list, alias or nobody's address: none;
//  4. an external reader: ask, always;
//  5. an internal reader follows their unit: off gives none;
//     internal_allowlist needs the requester internal or on the reader
//     unit's allowlist, then asks or sends on its own as the unit chose;
//     any asks.
func Decide(c Case) Decision {
	if c.Requester == "" || !permits(c.Sender, c.Requester, c.OrgDomains) {
		return None
	}
	if c.Addressing != Direct {
		return None
	}
	if c.External {
		return Ask
	}
	if !permits(c.Reader, c.Requester, c.OrgDomains) {
		return None
	}
	if c.Reader.Mode == policy.ReceiptsInternal && !c.Reader.Ask {
		return Auto
	}
	return Ask
}

// permits reports whether a unit's rule lets receipts go to addr.
func permits(p policy.ReceiptPolicy, addr string, domains []string) bool {
	switch p.Mode {
	case policy.ReceiptsAny:
		return true
	case policy.ReceiptsInternal:
		return Internal(addr, domains) || p.Allowed(addr)
	}
	return false
}

// Internal reports whether addr is at one of the domains.
func Internal(addr string, domains []string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	d := strings.ToLower(addr[at+1:])
	for _, x := range domains {
		if strings.EqualFold(x, d) {
			return true
		}
	}
	return false
}
