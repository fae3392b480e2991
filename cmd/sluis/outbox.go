package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"sluis/portal"
	"sluis/portal/mailer"
	"sluis/portal/sms"
)

// outboxAdapter shows the dev outboxes on the portal's page: the mail
// Sluis would have relayed and the texts the log gateway would have sent.
// Either may be nil.
type outboxAdapter struct {
	mail  *mailer.Outbox
	texts *sms.TextOutbox
}

func (a outboxAdapter) List() ([]portal.OutboxItem, error) {
	var out []portal.OutboxItem
	if a.mail != nil {
		items, err := a.mail.List()
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, portal.OutboxItem{ID: it.ID, Time: it.Time, From: it.From, To: splitList(it.To), Subject: it.Subject})
		}
	}
	if a.texts != nil {
		texts, err := a.texts.List()
		if err != nil {
			return nil, err
		}
		for _, it := range texts {
			out = append(out, portal.OutboxItem{ID: it.ID, Time: it.Time, From: "SMS", To: []string{it.To}, Subject: "SMS: " + it.Text})
		}
	}
	slices.SortFunc(out, func(x, y portal.OutboxItem) int { return y.Time.Compare(x.Time) })
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, to := range strings.Split(s, ",") {
		if to = strings.TrimSpace(to); to != "" {
			out = append(out, to)
		}
	}
	return out
}

func (a outboxAdapter) Read(id string) ([]byte, error) {
	if a.mail != nil {
		b, err := a.mail.Read(id)
		if !errors.Is(err, mailer.ErrNotFound) {
			return b, err
		}
	}
	if a.texts != nil {
		b, err := a.texts.Read(id)
		if !errors.Is(err, sms.ErrNotFound) {
			return b, err
		}
	}
	return nil, fmt.Errorf("%w: %s", portal.ErrOutboxNotFound, id)
}
