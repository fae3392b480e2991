package portal

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
)

// apiContact is an entry as the API shows it: never the access code or
// its hash, only whether there is one.
type apiContact struct {
	Email          string    `json:"email"`
	Kind           string    `json:"kind"`
	FullName       string    `json:"full_name"`
	PhoneNumber    string    `json:"phone_number"`
	HasAccessCode  bool      `json:"has_access_code"`
	AccessCodeHint string    `json:"access_code_hint"`
	Source         string    `json:"source"`
	ETag           string    `json:"etag"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func newAPIContact(c db.Contact) apiContact {
	return apiContact{Email: c.Email, Kind: c.Kind, FullName: c.FullName, PhoneNumber: c.Phone, HasAccessCode: c.AccessCodeHash != "",
		AccessCodeHint: c.AccessCodeHint, Source: c.Source, ETag: etagOf(c), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// etagOf is the entry's strong ETag.
func etagOf(c db.Contact) string { return `"` + c.Version() + `"` }

// recordAPIUse writes the key's use to the audit log and its last use.
func (s *Server) recordAPIUse(c echo.Context, ev db.AuditEvent) error {
	ctx := c.Request().Context()
	return s.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.TouchAPIKey(ctx, ev.OrgID, apiKeyOf(c).ID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, ev)
	})
}

// apiListContacts lists the book by address, limit (1–1000, default 100)
// entries at a time; next_cursor, when present, fetches the next page.
func (s *Server) apiListContacts(c echo.Context) error {
	limit := 100
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1000 {
			return apiError(c, http.StatusBadRequest, "bad_limit", "limit must be a number from 1 to 1000")
		}
		limit = n
	}
	after, err := base64.RawURLEncoding.DecodeString(c.QueryParam("cursor"))
	if err != nil {
		return apiError(c, http.StatusBadRequest, "bad_cursor", "cursor is not one this API gave out")
	}
	k := apiKeyOf(c)
	list, err := s.store.ContactsAfter(c.Request().Context(), db.OrgBook(k.OrgID), string(after), limit+1)
	if err != nil {
		return err
	}
	if err := s.recordAPIUse(c, apiAudit(c, "api.contacts.list", "book")); err != nil {
		return err
	}
	out := struct {
		Contacts   []apiContact `json:"contacts"`
		NextCursor string       `json:"next_cursor,omitempty"`
	}{Contacts: []apiContact{}}
	for i, ct := range list {
		if i == limit {
			out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(list[i-1].Email))
			break
		}
		out.Contacts = append(out.Contacts, newAPIContact(ct))
	}
	return c.JSON(http.StatusOK, out)
}

// apiRawKey is the entry's key from the path as written: an address, or
// a domain for an organisation-wide entry ("" when it is not escaped
// properly).
func apiRawKey(c echo.Context) string {
	v := c.Param("email")
	if c.Request().URL.RawPath != "" { // Echo matched the escaped path
		var err error
		if v, err = url.PathUnescape(v); err != nil {
			return ""
		}
	}
	return v
}

// apiKeyParam is the entry's key from the path, normalised.
func apiKeyParam(c echo.Context) (string, error) {
	_, key, err := contacts.CheckKey(apiRawKey(c))
	return key, err
}

// apiGetContact answers one entry, with its ETag.
func (s *Server) apiGetContact(c echo.Context) error {
	key, err := apiKeyParam(c)
	if err != nil {
		return apiError(c, http.StatusNotFound, "not_found", "no such entry")
	}
	k := apiKeyOf(c)
	ct, err := s.store.Contact(c.Request().Context(), db.OrgBook(k.OrgID), key)
	if errors.Is(err, db.ErrNotFound) {
		return apiError(c, http.StatusNotFound, "not_found", "no such entry")
	}
	if err != nil {
		return err
	}
	if err := s.recordAPIUse(c, apiAudit(c, "api.contact.get", "contact:"+key)); err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etagOf(ct))
	if etagMatches(c.Request().Header.Get("If-None-Match"), etagOf(ct)) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSON(http.StatusOK, newAPIContact(ct))
}

// etagMatches reports whether an If-Match / If-None-Match header lists
// etag (strong comparison) or is "*".
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		if v = strings.TrimSpace(v); v == "*" || v == etag {
			return true
		}
	}
	return false
}

// precondition checks If-Match and If-None-Match against the entry as it
// is (exists false: there is none), and answers 412 when they fail.
func precondition(c echo.Context, cur db.Contact, exists bool) bool {
	h := c.Request().Header
	if m := h.Get("If-Match"); m != "" && (!exists || !etagMatches(m, etagOf(cur))) {
		return false
	}
	if m := h.Get("If-None-Match"); m != "" && exists && etagMatches(m, etagOf(cur)) {
		return false
	}
	return true
}

var errPrecondition = errors.New("precondition failed")

func apiPreconditionFailed(c echo.Context) error {
	return apiError(c, http.StatusPreconditionFailed, "precondition_failed",
		"the entry changed since you read it (or does not exist): GET it again and retry with its ETag")
}

// apiDeleteContact removes an entry (If-Match guards it); its history stays.
func (s *Server) apiDeleteContact(c echo.Context) error {
	key, err := apiKeyParam(c)
	if err != nil {
		return apiError(c, http.StatusNotFound, "not_found", "no such entry")
	}
	ctx, k := c.Request().Context(), apiKeyOf(c)
	book := db.OrgBook(k.OrgID)
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		cur, err := tx.Contact(ctx, book, key)
		if err != nil {
			return err
		}
		if !precondition(c, cur, true) {
			return errPrecondition
		}
		if err := tx.DeleteContact(ctx, book, cur, db.Change{Source: db.SourceAPI, Actor: apiActor(k)}); err != nil {
			return err
		}
		if err := tx.TouchAPIKey(ctx, k.OrgID, k.ID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, apiAudit(c, "api.contact.delete", "contact:"+key))
	})
	switch {
	case errors.Is(err, db.ErrNotFound):
		return apiError(c, http.StatusNotFound, "not_found", "no such entry")
	case errors.Is(err, errPrecondition):
		return apiPreconditionFailed(c)
	case err != nil:
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
