package db

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrNotFound: no such row in this organisation.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: the row would repeat a unique address, domain or name.
	ErrDuplicate = errors.New("already exists")
	// ErrInUse: the row is still referenced (a unit with users, say).
	ErrInUse = errors.New("still in use")
	// ErrBusy: the database is busy or unavailable for a moment; try again.
	ErrBusy = errors.New("database busy")
	// ErrSchemaTooNew: the database was migrated by a newer Sluis.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)

// InvalidError is bad input: Field names what is wrong and Reason is a
// stable key (for translation) such as "bad_address" or "not_mobile".
type InvalidError struct {
	Field  string
	Reason string
	Value  string // safe to show: never a secret
}

func (e *InvalidError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

func invalid(field, reason, value string) error {
	return &InvalidError{Field: field, Reason: reason, Value: value}
}
