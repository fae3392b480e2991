package main

import (
	"errors"
	"fmt"
	"strings"

	"sluis/portal"
	"sluis/portal/mailer"
)

// outboxAdapter shows the mailer's dev outbox on the portal's page.
type outboxAdapter struct{ ob *mailer.Outbox }

func (a outboxAdapter) List() ([]portal.OutboxItem, error) {
	items, err := a.ob.List()
	if err != nil {
		return nil, err
	}
	out := make([]portal.OutboxItem, len(items))
	for i, it := range items {
		out[i] = portal.OutboxItem{ID: it.ID, Time: it.Time, From: it.From, Subject: it.Subject}
		for _, to := range strings.Split(it.To, ",") {
			if to = strings.TrimSpace(to); to != "" {
				out[i].To = append(out[i].To, to)
			}
		}
	}
	return out, nil
}

func (a outboxAdapter) Read(id string) ([]byte, error) {
	b, err := a.ob.Read(id)
	if errors.Is(err, mailer.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", portal.ErrOutboxNotFound, err)
	}
	return b, err
}
