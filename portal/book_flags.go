package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// flagRow is one flagged entry and field, for the admins' list.
type flagRow struct {
	ID, ContactID int64
	Email, Field  string
	Sources       string // translated, comma-separated
	Actors        string
	Flips         int
	First, Last   string
	Dismissed     string
}

// flagsView lists the entries that different sources keep overwriting.
type flagsView struct {
	baseView
	Flags  []flagRow
	All    bool
	Notice string
}

// listBookFlags shows the open flags (?all=1: dismissed ones too).
func (s *Server) listBookFlags(c echo.Context) error {
	all := c.QueryParam("all") == "1"
	flags, err := s.store.Flags(c.Request().Context(), currentUser(c).OrgID, all)
	if err != nil {
		return err
	}
	v := flagsView{baseView: s.base(c, "book.flags_title"), All: all, Notice: s.bookNotice(c)}
	for _, f := range flags {
		v.Flags = append(v.Flags, flagRow{ID: f.ID, ContactID: f.ContactID, Email: f.Email, Field: s.t(c, "book.field_"+f.Field),
			Sources: s.sourceNames(c, f.Sources), Actors: strings.Join(f.Actors, ", "), Flips: f.Flips,
			First: s.when(c, f.FirstAt), Last: s.when(c, f.LastAt), Dismissed: s.when(c, f.DismissedAt)})
	}
	return c.Render(http.StatusOK, "book_flags", v)
}

// sourceNames translates sources ("import", "manual") into a list.
func (s *Server) sourceNames(c echo.Context, sources []string) string {
	names := make([]string, 0, len(sources))
	for _, src := range sources {
		names = append(names, s.t(c, "book.source_"+src))
	}
	return strings.Join(names, ", ")
}

// dismissBookFlag closes a flag once an admin has dealt with its cause.
func (s *Server) dismissBookFlag(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx, u := c.Request().Context(), currentUser(c)
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		f, err := tx.DismissFlag(ctx, u.OrgID, id, "user:"+strconv.FormatInt(u.ID, 10))
		if err != nil {
			return err
		}
		ev := s.auditEvent(c, "book.flag.dismiss", "contact:"+f.Email)
		ev.Detail = f.Field + ": " + strings.Join(f.Sources, ", ")
		return tx.AppendAudit(ctx, ev)
	})
	if errors.Is(err, db.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/book/flags?done=dismissed")
}

// markOverwritten tells the draft page which recipients' entries in the
// organisation's book are flagged (the address's entry or its domain's),
// naming the sources that keep overwriting them.
func (s *Server) markOverwritten(c echo.Context, orgID int64, rows []draftRecipient) error {
	var keys []string
	for _, r := range rows {
		keys = append(keys, entryKeys(r.Address)...)
	}
	flags, err := s.store.OpenFlagsFor(c.Request().Context(), orgID, keys)
	if err != nil || len(flags) == 0 {
		return err
	}
	for i := range rows {
		var sources []string
		for _, k := range entryKeys(rows[i].Address) {
			for _, f := range flags[k] {
				sources = append(sources, f.Sources...)
			}
		}
		if len(sources) > 0 {
			rows[i].Overwritten = s.sourceNames(c, dedupe(sources))
		}
	}
	return nil
}

// entryKeys are the book keys that could hold an address's data: its own
// entry and its domain's.
func entryKeys(address string) []string {
	_, k, err := db.NormalizeContactKey(address)
	if err != nil {
		return nil
	}
	if at := strings.LastIndexByte(k, '@'); at >= 0 {
		return []string{k, k[at+1:]}
	}
	return []string{k}
}

func dedupe(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range in {
		if !seen[v] {
			seen[v], out = true, append(out, v)
		}
	}
	return out
}
