package delivery

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sluis/db"
	"sluis/portal/mailer"
	"sluis/portal/secret"
)

// Proving an address on the public page: the writer types an address, gets
// a challenge (a 256-bit token for the browser's cookie, stored as its
// SHA-256) and a 6-digit code mailed to that address at once; the right
// code makes the challenge the writer's session. Codes follow the rules of
// SMS codes (DESIGN: verification rules): random, stored as an HMAC bound
// to the challenge, valid CodeTTL, used once, voided after CodeTries wrong
// entries, a new one at most every Resend and a few an hour.

// Errors of proving an address; portal translates each.
var (
	ErrChannelAddress    = errors.New("delivery: not an e-mail address")
	ErrChannelTooSoon    = errors.New("delivery: a new code was asked too soon")
	ErrChannelHourly     = errors.New("delivery: too many codes to this address this hour")
	ErrChannelNetwork    = errors.New("delivery: too many requests from this network")
	ErrChannelDaily      = errors.New("delivery: the organisation's page sent its codes for today")
	ErrChannelSendFailed = errors.New("delivery: the code could not be mailed")
	ErrChannelMalformed  = errors.New("delivery: a code is six digits")
	ErrChannelWrongCode  = errors.New("delivery: wrong code")
	ErrChannelCodeVoid   = errors.New("delivery: too many wrong entries; the code is void")
	ErrChannelNoCode     = errors.New("delivery: no valid code; ask a new one")
	ErrChannelSession    = errors.New("delivery: no writer's session; start again")
)

// ChannelStatus is what the code form shows.
type ChannelStatus struct {
	Address    string
	Verified   bool
	CodeLive   bool          // a code was sent and can still be entered
	TriesLeft  int           // wrong entries the live code still allows
	NextSendIn time.Duration // until a new code may be asked; 0 = now
}

// hashChannelCode is the stored form of a code: an HMAC under the channel's
// code key, bound to the challenge so that a hash copied to another row
// opens nothing.
func (s *Service) hashChannelCode(challengeID int64, code string) string {
	m := hmac.New(sha256.New, s.channelKey)
	m.Write([]byte(strconv.FormatInt(challengeID, 10) + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// StartChannel begins proving address for a writer at ip: a new challenge
// and its first code, mailed in lang. It returns the token for the
// writer's cookie. The answer depends only on the limits and the relay,
// never on whether the address is anyone's.
func (s *Service) StartChannel(ctx context.Context, page ChannelPage, address, ip, lang string) (string, ChannelStatus, error) {
	addr, err := db.NormalizeAddress(address)
	if err != nil {
		return "", ChannelStatus{}, ErrChannelAddress
	}
	token, hash, err := secret.NewToken()
	if err != nil {
		return "", ChannelStatus{}, err
	}
	now := s.opt.Now().UTC()
	ch := db.ChannelChallenge{TokenHash: hash, OrgID: page.Org.ID, Address: addr, Network: NetworkOf(ip),
		CreatedAt: now, ExpiresAt: now.Add(s.channelLimits().Start)}
	if err := s.opt.Store.CreateChannelChallenge(ctx, &ch); err != nil {
		return "", ChannelStatus{}, err
	}
	st, err := s.sendChannelCode(ctx, page, ch, ip, lang)
	if err != nil {
		return "", st, err
	}
	return token, st, nil
}

// ResendChannelCode mails the writer of token a new code, if the limits
// allow; the new code replaces the old one.
func (s *Service) ResendChannelCode(ctx context.Context, page ChannelPage, token, ip, lang string) (ChannelStatus, error) {
	ch, err := s.channelChallenge(ctx, page, token)
	if err != nil {
		return ChannelStatus{}, err
	}
	if !ch.VerifiedAt.IsZero() {
		return s.channelStatus(ch), nil
	}
	return s.sendChannelCode(ctx, page, ch, ip, lang)
}

// sendChannelCode reserves a code under the limits and mails it; a relay
// failure releases the reservation, so it costs the writer nothing.
func (s *Service) sendChannelCode(ctx context.Context, page ChannelPage, ch db.ChannelChallenge, ip, lang string) (ChannelStatus, error) {
	lim := s.channelLimits()
	code, err := secret.NewCode()
	if err != nil {
		return ChannelStatus{}, err
	}
	now := s.opt.Now().UTC()
	ev := channelEvent(ch, "channel.code", ip, now)
	res, err := s.opt.Store.ReserveChannelCode(ctx, db.ChannelCodeSend{OrgID: ch.OrgID, ChallengeID: ch.ID,
		CodeHash: s.hashChannelCode(ch.ID, code), Now: now, TTL: lim.CodeTTL, Cooldown: lim.Resend,
		PerAddress: lim.CodesPerAddress, PerNetwork: lim.CodesPerNetwork, DailyCap: lim.CodesDaily})
	var refusal *db.SendRefusal
	switch {
	case errors.As(err, &refusal):
		ev.Outcome, ev.Detail = db.OutcomeDenied, "refused: "+refusal.Reason
		if refusal.Reason == db.RefusedDaily {
			s.opt.Logger.Warn("channel code refused: the organisation's daily cap is reached", "org_id", ch.OrgID, "cap", lim.CodesDaily)
		}
		return s.channelRefused(ctx, ch, ev, channelRefusals[refusal.Reason])
	case errors.Is(err, db.ErrNotFound):
		return ChannelStatus{}, ErrChannelSession
	case err != nil:
		return ChannelStatus{}, err
	}
	err = s.mailChannelCode(ctx, page, ch.Address, code, lang)
	ev.Detail = "mailed"
	if errors.Is(err, errAddressRefused) {
		// Said like a mailed code: the writer must not learn from the
		// relay whether an address has a mailbox. The code counts.
		s.opt.Logger.Info("the relay refused a channel code's address", "org_id", ch.OrgID, "challenge", ch.ID, "err", err)
		ev.Outcome, ev.Detail, err = db.OutcomeFailed, "refused: the relay refused the address", nil
	}
	if err != nil {
		s.opt.Logger.Warn("the relay did not take a channel code", "org_id", ch.OrgID, "challenge", ch.ID, "err", err)
		if rerr := s.opt.Store.ReleaseChannelCode(context.WithoutCancel(ctx), ch.OrgID, res); rerr != nil {
			return ChannelStatus{}, errors.Join(err, rerr)
		}
		ev.Outcome, ev.Detail = db.OutcomeFailed, "refused: the relay did not take it"
		return s.channelRefused(ctx, ch, ev, ErrChannelSendFailed)
	}
	if err := s.opt.Store.AppendAudit(ctx, ev); err != nil {
		return ChannelStatus{}, err
	}
	ch.CodeHash, ch.CodeSentAt, ch.CodeExpiresAt, ch.CodeFailures = res.CodeHash, now, now.Add(lim.CodeTTL), 0
	return s.channelStatus(ch), nil
}

// channelRefusals maps the store's refusals to this package's errors.
var channelRefusals = map[string]error{db.RefusedCooldown: ErrChannelTooSoon, db.RefusedHourly: ErrChannelHourly,
	db.RefusedNetwork: ErrChannelNetwork, db.RefusedDaily: ErrChannelDaily}

// channelRefused audits a refusal and returns cause with the status now.
func (s *Service) channelRefused(ctx context.Context, ch db.ChannelChallenge, ev db.AuditEvent, cause error) (ChannelStatus, error) {
	if err := s.opt.Store.AppendAudit(ctx, ev); err != nil {
		return ChannelStatus{}, err
	}
	now, err := s.opt.Store.ChannelChallengeByToken(ctx, ch.OrgID, ch.TokenHash, s.opt.Now())
	if err != nil {
		now = ch
	}
	return s.channelStatus(now), cause
}

// mailChannelCode hands the code mail to the relay and waits for its
// answer, as the SMS gateway's call does: the writer is told at once. A
// refusal of the address itself is errAddressRefused.
func (s *Service) mailChannelCode(ctx context.Context, page ChannelPage, to, code, lang string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v := mailView{Lang: lang, Verify: "channel_code", Data: map[string]any{"Org": page.Org.Name, "Code": code,
		"Minutes": int(s.channelLimits().CodeTTL / time.Minute)}}
	text, html, err := s.render(ctx, page.Org.ID, "channel", &v)
	if err != nil {
		return err
	}
	res, err := s.opt.Mailer.Send(ctx, &mailer.Message{
		From:    mailer.Address{Name: "Sluis (" + v.Look.Name + ")", Addr: s.opt.MailFrom},
		To:      []mailer.Address{{Addr: to}},
		Subject: s.opt.Text.T(lang, "mail.channel_code.subject", v.Data),
		Text:    text, HTML: html, Lang: lang,
		Headers: map[string]string{"X-Sluis-Kind": "channel-code"},
	})
	var perm *mailer.PermanentError
	switch {
	case err == nil && len(res.Rejected) > 0:
		return fmt.Errorf("%w: %d %s", errAddressRefused, res.Rejected[0].Code, res.Rejected[0].Text)
	case errors.As(err, &perm) && perm.Stage == mailer.StageRcpt:
		return fmt.Errorf("%w: %w", errAddressRefused, err)
	}
	return err
}

// errAddressRefused: the relay refused the code mail's recipient for good.
var errAddressRefused = errors.New("the relay refused the address")

// CheckChannelCode checks the code a writer typed. nil means the address
// is proven: the challenge is the writer's session for Session. Otherwise
// ErrChannelMalformed (nothing counted), ErrChannelWrongCode,
// ErrChannelCodeVoid, ErrChannelNoCode or ErrChannelSession, with the
// status to show.
func (s *Service) CheckChannelCode(ctx context.Context, page ChannelPage, token, code, ip string) (ChannelStatus, error) {
	ch, err := s.channelChallenge(ctx, page, token)
	if err != nil {
		return ChannelStatus{}, err
	}
	if !ch.VerifiedAt.IsZero() {
		return s.channelStatus(ch), nil
	}
	if !secret.WellFormedCode(code) {
		return s.channelStatus(ch), ErrChannelMalformed
	}
	lim := s.channelLimits()
	now := s.opt.Now().UTC()
	ev := channelEvent(ch, "channel.verify", ip, now)
	charged, ok, err := s.opt.Store.ChargeChannelCode(ctx, ch.OrgID, ch.ID, now, lim.CodeTries)
	if err != nil {
		return ChannelStatus{}, err
	}
	if !ok {
		cause := ErrChannelNoCode
		if charged.CodeHash != "" && charged.CodeFailures >= lim.CodeTries {
			cause = ErrChannelCodeVoid
		}
		return s.channelStatus(charged), cause
	}
	if hmac.Equal([]byte(s.hashChannelCode(ch.ID, code)), []byte(charged.CodeHash)) {
		used, err := s.opt.Store.VerifyChannelCode(ctx, ch.OrgID, ch.ID, charged.CodeHash, now, now.Add(lim.Session))
		if err != nil {
			return ChannelStatus{}, err
		}
		if !used {
			return s.channelStatus(charged), ErrChannelNoCode
		}
		ev.Detail = "right"
		st := s.channelStatus(charged)
		st.Verified, st.CodeLive = true, false
		return st, s.opt.Store.AppendAudit(ctx, ev)
	}
	ev.Outcome, ev.Detail = db.OutcomeDenied, "wrong"
	cause := ErrChannelWrongCode
	if charged.CodeFailures >= lim.CodeTries {
		ev.Detail, cause = "wrong; the code is void", ErrChannelCodeVoid
	}
	if err := s.opt.Store.AppendAudit(ctx, ev); err != nil {
		return ChannelStatus{}, err
	}
	return s.channelStatus(charged), cause
}

// ChannelStatusOf is the status of the writer of token, for the code form.
func (s *Service) ChannelStatusOf(ctx context.Context, page ChannelPage, token string) (ChannelStatus, error) {
	ch, err := s.channelChallenge(ctx, page, token)
	if err != nil {
		return ChannelStatus{}, err
	}
	return s.channelStatus(ch), nil
}

// ChannelWriter returns the verified challenge of token: the writer's
// session. ErrChannelSession when there is none (never verified, expired,
// another organisation's, unknown).
func (s *Service) ChannelWriter(ctx context.Context, page ChannelPage, token string) (db.ChannelChallenge, error) {
	ch, err := s.channelChallenge(ctx, page, token)
	if err != nil {
		return db.ChannelChallenge{}, err
	}
	if ch.VerifiedAt.IsZero() {
		return db.ChannelChallenge{}, ErrChannelSession
	}
	return ch, nil
}

// channelChallenge finds the page's live challenge of token.
func (s *Service) channelChallenge(ctx context.Context, page ChannelPage, token string) (db.ChannelChallenge, error) {
	if token == "" {
		return db.ChannelChallenge{}, ErrChannelSession
	}
	ch, err := s.opt.Store.ChannelChallengeByToken(ctx, page.Org.ID, secret.HashToken(token), s.opt.Now())
	if errors.Is(err, db.ErrNotFound) {
		return db.ChannelChallenge{}, ErrChannelSession
	}
	return ch, err
}

func (s *Service) channelStatus(ch db.ChannelChallenge) ChannelStatus {
	lim := s.channelLimits()
	now := s.opt.Now()
	st := ChannelStatus{Address: ch.Address, Verified: !ch.VerifiedAt.IsZero()}
	st.CodeLive = ch.CodeHash != "" && now.Before(ch.CodeExpiresAt) && ch.CodeFailures < lim.CodeTries
	if st.CodeLive {
		st.TriesLeft = lim.CodeTries - ch.CodeFailures
	}
	if !ch.CodeSentAt.IsZero() {
		if next := ch.CodeSentAt.Add(lim.Resend); now.Before(next) {
			st.NextSendIn = next.Sub(now)
		}
	}
	return st
}

// channelEvent is an audit event of a writer on the page: the actor is
// the address being proven, as the writer typed it (never the code).
func channelEvent(ch db.ChannelChallenge, kind, ip string, at time.Time) db.AuditEvent {
	return db.AuditEvent{OrgID: ch.OrgID, Actor: ch.Address, Kind: kind,
		Target: "channel-challenge:" + strconv.FormatInt(ch.ID, 10) + " " + ch.Address, IP: ip, At: at}
}
