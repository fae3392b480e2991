package contacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"sluis/db"
)

// RowError is one row that was not imported, and why.
type RowError struct {
	Line   int
	Email  string // as written, clipped
	Field  string
	Reason string // translation key
}

// Report is the outcome of an import.
type Report struct {
	DryRun    bool
	Rows      int // data rows read
	Created   int
	Updated   int
	Unchanged int
	Invalid   []RowError
}

// Importer applies CSV files to an address book.
type Importer struct {
	Store *db.Store
	// Hash and Verify are the access-code hash (portal/secret's argon2id).
	Hash   func(code string) (string, error)
	Verify func(hash, code string) (bool, error)
	// Workers bounds the parallel hashing (default: one per core).
	Workers int
}

// Options are an import's settings.
type Options struct {
	Region string    // country for numbers written without a country code
	DryRun bool      // validate and report, write nothing
	Change db.Change // source and actor for the history
	// Audit, when set, is the import's audit event (who, from where): it
	// gets the report's counts as its Detail and is written in the
	// transaction that applies the rows, so neither stands without the other.
	Audit *db.AuditEvent
}

// Import reads a CSV file, validates every row, and applies the valid rows
// to book in one transaction. Invalid rows are reported with their line and
// reason and do not stop the others; a file that is not CSV changes nothing.
func (im *Importer) Import(ctx context.Context, book db.Book, r io.Reader, opt Options) (Report, error) {
	rows, err := ReadCSV(r)
	if err != nil {
		return Report{}, err
	}
	rep := Report{DryRun: opt.DryRun, Rows: len(rows)}
	entries, bad := validate(book, rows, opt.Region)
	rep.Invalid = bad
	if opt.DryRun {
		rep.Created = len(entries)
		return rep, nil
	}
	if err := im.hashCodes(ctx, book, entries); err != nil {
		return Report{}, err
	}
	err = im.Store.InTx(ctx, func(tx *db.Tx) error {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		for i := range entries {
			_, outcome, err := tx.PutContact(ctx, book, entries[i].input, opt.Change)
			if err != nil {
				return fmt.Errorf("line %d: %w", entries[i].line, err)
			}
			rep.count(outcome)
		}
		if opt.Audit == nil {
			return nil
		}
		ev := *opt.Audit
		ev.Detail = fmt.Sprintf("rows=%d created=%d updated=%d unchanged=%d invalid=%d", rep.Rows, rep.Created, rep.Updated,
			rep.Unchanged, len(rep.Invalid))
		return tx.AppendAudit(ctx, ev)
	})
	if err != nil {
		return Report{}, fmt.Errorf("applying import: %w", err)
	}
	return rep, nil
}

func (rep *Report) count(o db.Outcome) {
	switch o {
	case db.Created:
		rep.Created++
	case db.Updated:
		rep.Updated++
	default:
		rep.Unchanged++
	}
}

// entry is a valid row on its way to the store.
type entry struct {
	line  int
	key   string
	code  string // plaintext until hashCodes replaces it
	input db.ContactInput
}

func validate(book db.Book, rows []Row, region string) ([]entry, []RowError) {
	var good []entry
	var bad []RowError
	seen := make(map[string]struct{}, len(rows))
	for _, row := range rows {
		e, err := validRow(book, row, region)
		var fe *FieldError // every error of Check is one
		if errors.As(err, &fe) {
			bad = append(bad, RowError{Line: row.Line, Email: clip(row.Email), Field: fe.Field, Reason: fe.Reason})
			continue
		}
		if _, dup := seen[e.key]; dup {
			bad = append(bad, RowError{Line: row.Line, Email: clip(row.Email), Field: FieldKey, Reason: "duplicate_in_file"})
			continue
		}
		seen[e.key] = struct{}{}
		good = append(good, e)
	}
	return good, bad
}

// validRow applies the address-book rules to one row: an empty cell
// leaves the field as it is.
func validRow(book db.Book, row Row, region string) (entry, error) {
	c, err := Check(book, Entry{Key: row.Email, FullName: cell(row.FullName), Phone: cell(row.Phone),
		Code: cell(row.AccessCode), Hint: cell(row.Hint)}, region)
	if err != nil {
		return entry{}, err
	}
	return entry{line: row.Line, key: c.Input.Email, code: c.Code, input: c.Input}, nil
}

func cell(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// hashCodes replaces each plaintext code by its argon2id hash, on every
// core. A code that matches the one on file keeps the stored hash, so an
// unchanged re-import writes no history.
func (im *Importer) hashCodes(ctx context.Context, book db.Book, entries []entry) error {
	workers := im.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if err := im.hashOne(ctx, book, &entries[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := range entries {
		if entries[i].code == "" {
			continue
		}
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err != nil {
		return err
	}
	return <-errs
}

func (im *Importer) hashOne(ctx context.Context, book db.Book, e *entry) error {
	code := e.code
	e.code = ""
	h, err := hashCode(ctx, im.Store, book, e.key, code, im.Hash, im.Verify)
	if err != nil {
		return fmt.Errorf("line %d: %w", e.line, err)
	}
	e.input.AccessCodeHash = &h
	return nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
