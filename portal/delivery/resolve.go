package delivery

import (
	"context"
	"errors"
	"slices"
	"strings"

	"sluis/db"
	"sluis/portal/mime"
	"sluis/portal/phone"
	"sluis/portal/policy"
)

// Where a recipient's verification data came from.
const (
	FromControlBlock = "control_block"
	FromPersonal     = "personal"
	FromOrgAddress   = "org_address"
	FromOrgDomain    = "org_domain"
	FromPolicy       = "policy"
	FromInternal     = "internal"
)

// Why a recipient lacks data (translation keys "reason.<key>").
const (
	ProblemMissing   = "missing"
	ProblemBadPhone  = "bad_phone"
	ProblemNotMobile = "not_mobile"
	ProblemBadLine   = "bad_control_line"
	// ProblemNotAllowed: the data is of a method the unit does not allow.
	ProblemNotAllowed = "method_not_allowed"
)

// LineProblem is a control-block line that could not be used, masked for
// storage and for the "not sent" mail.
type LineProblem struct {
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// resolver resolves the recipients of one message from one sender.
type resolver struct {
	s      *Service
	org    db.Org
	sender db.User
	rights map[string]mime.AccessRight // by folded address
	bad    map[string]string           // folded address → problem from a bad line
	pol    policy.Settings             // the sender's unit's settings (unitpolicy.go)
}

func fold(addr string) string { return strings.ToLower(addr) }

func newResolver(s *Service, org db.Org, sender db.User, cb mime.ControlBlock, pol policy.Settings) *resolver {
	r := &resolver{s: s, org: org, sender: sender, pol: pol, rights: map[string]mime.AccessRight{}, bad: map[string]string{}}
	for _, right := range cb.Rights {
		r.rights[fold(right.Email)] = right
	}
	for _, p := range cb.Problems {
		if p.Email != "" {
			r.bad[fold(p.Email)] = ProblemBadLine
		}
	}
	return r
}

// resolve fills in one recipient's method and data, in DESIGN's order:
// control block, personal book, organisation book by address, by domain,
// then the unit's default.
func (r *resolver) resolve(ctx context.Context, rc *db.Recipient) error {
	domain := db.DomainOf(rc.Address)
	for _, d := range r.org.Domains {
		if d == domain {
			rc.Internal, rc.Method, rc.DataSource = true, db.MethodSignIn, FromInternal
			return nil
		}
	}
	if right, ok := r.rights[fold(rc.Address)]; ok {
		if !r.pol.Allows(db.MethodSMS) {
			rc.Method, rc.Problem, rc.DataSource = db.MethodNone, ProblemNotAllowed, FromControlBlock
			return nil
		}
		return r.fromControlBlock(rc, right)
	}
	if reason, ok := r.bad[fold(rc.Address)]; ok {
		rc.Method, rc.Problem, rc.DataSource = db.MethodNone, reason, FromControlBlock
		return nil
	}
	lookups := []struct {
		book   db.Book
		key    string
		source string
	}{
		{db.PersonalBook(r.org.ID, r.sender.ID), rc.Address, FromPersonal},
		{db.OrgBook(r.org.ID), rc.Address, FromOrgAddress},
		{db.OrgBook(r.org.ID), domain, FromOrgDomain},
	}
	for _, l := range lookups {
		c, err := r.s.opt.Store.Contact(ctx, l.book, l.key)
		if errors.Is(err, db.ErrNotFound) {
			continue
		}
		if err != nil {
			return unavailable("the address book for "+rc.Address, err)
		}
		if applyContact(rc, c, l.source, r.pol.Allows) {
			return nil
		}
	}
	// Step 5, the unit's default: a default method (SMS or access code)
	// still needs the number or code, which a recipient without data
	// lacks, so the recipient is missing data whatever the default is.
	// Verification "never" does not waive it either (docs/admins.md).
	rc.Method, rc.Problem, rc.DataSource = db.MethodNone, ProblemMissing, FromPolicy
	return nil
}

func (r *resolver) fromControlBlock(rc *db.Recipient, right mime.AccessRight) error {
	rc.DataSource = FromControlBlock
	e164, err := phone.Parse(right.Phone, "")
	var pe *phone.Error
	if errors.As(err, &pe) {
		rc.Method, rc.Problem = db.MethodNone, pe.Reason
		return nil
	}
	if err != nil {
		return err
	}
	rc.Method, rc.Phone, rc.Display = db.MethodSMS, e164, phone.Mask(e164)
	return nil
}

// applyContact uses an address-book entry when it has usable data of a
// method the unit allows: a mobile number first (the stronger proof of
// who reads), else an access code.
func applyContact(rc *db.Recipient, c db.Contact, source string, allowed func(string) bool) bool {
	switch {
	case c.Phone != "" && c.Kind == db.KindAddress && allowed(db.MethodSMS):
		rc.Method, rc.Phone, rc.Display = db.MethodSMS, c.Phone, phone.Mask(c.Phone)
	case c.AccessCodeHash != "" && allowed(db.MethodAccessCode):
		rc.Method, rc.AccessCodeHash, rc.AccessCodeHint, rc.Display = db.MethodAccessCode, c.AccessCodeHash, c.AccessCodeHint, "access_code"
	default:
		return false
	}
	rc.DataSource = source
	return true
}

// lineProblems lists the control block's bad lines, plus lines that name
// no recipient of the message, with phone numbers masked.
func lineProblems(cb mime.ControlBlock, rcpts []db.Recipient) []LineProblem {
	isRcpt := map[string]bool{}
	for _, rc := range rcpts {
		isRcpt[fold(rc.Address)] = true
	}
	var out []LineProblem
	for _, p := range cb.Problems {
		out = append(out, LineProblem{Line: p.Line, Text: maskLine(p.Text), Reason: p.Reason})
	}
	for _, right := range cb.Rights {
		if !isRcpt[fold(right.Email)] {
			out = append(out, LineProblem{Line: right.Line, Text: maskLine(right.Text()), Reason: "not_a_recipient"})
			continue
		}
		if _, err := phone.Parse(right.Phone, ""); err != nil {
			var pe *phone.Error
			reason := ProblemBadPhone
			if errors.As(err, &pe) {
				reason = pe.Reason
			}
			out = append(out, LineProblem{Line: right.Line, Text: maskLine(right.Text()), Reason: reason})
		}
	}
	// In the order written, as the sender reads their own block.
	slices.SortStableFunc(out, func(a, b LineProblem) int { return a.Line - b.Line })
	return out
}

// maskLine hides all but the last two digits of any digit run long enough
// to be a phone number.
func maskLine(s string) string {
	b := []byte(s)
	run := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= '0' && b[i] <= '9' {
			run++
			continue
		}
		if run >= 6 {
			for j := i - run; j < i-2; j++ {
				b[j] = '*'
			}
		}
		run = 0
	}
	return string(b)
}
