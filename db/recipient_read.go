package db

import (
	"context"
	"fmt"
	"strings"
)

// The recipient portal resolves a link on every request: the recipient by
// its token and the message it reads, in one statement.

// qualified prefixes every column of a column list with a table alias.
func qualified(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

var recipientWithMessage = `SELECT ` + qualified("r", recipientColumns) + `, ` + qualified("m", messageColumns) +
	` FROM recipients r JOIN messages m ON m.org_id = r.org_id AND m.id = r.message_id WHERE r.token_hash = ?`

// RecipientByTokenWithMessage returns the recipient a link's token hash
// names and its message, in one query; ErrNotFound when there is none.
func (s *Store) RecipientByTokenWithMessage(ctx context.Context, tokenHash string) (Recipient, Message, error) {
	var rc Recipient
	var m Message
	rdest, rfinish := recipientFields(&rc)
	mdest, mfinish := messageFields(&m)
	err := s.hot().queryRow(ctx, recipientWithMessage, tokenHash).Scan(append(rdest, mdest...)...)
	rfinish()
	mfinish()
	if err != nil {
		return Recipient{}, Message{}, fmt.Errorf("recipient and message by token: %w", mapError(err))
	}
	return rc, m, nil
}
