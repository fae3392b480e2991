package portal

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
)

// apiContactBody is the body of a PUT. A field left out (or null) keeps
// its value; "" clears it. The access code is hashed at once and never
// stored or shown; "" removes it (and its hint). A hint comes only with
// its code (contacts.Check).
type apiContactBody struct {
	FullName       *string `json:"full_name"`
	PhoneNumber    *string `json:"phone_number"`
	AccessCode     *string `json:"access_code"`
	AccessCodeHint *string `json:"access_code_hint"`
}

// apiInvalid is a 422 naming the field and the reason (the import's keys).
func apiInvalid(c echo.Context, field, reason string) error {
	return c.JSON(http.StatusUnprocessableEntity, apiErrorBody{Error: apiErrorDetail{Code: reason, Field: field,
		Message: field + " is not valid: " + reason}})
}

// entry is the body as the address-book rules read it (contacts.Check).
func (b apiContactBody) entry(rawKey string) contacts.Entry {
	return contacts.Entry{Key: rawKey, FullName: b.FullName, Phone: b.PhoneNumber, Code: b.AccessCode, Hint: b.AccessCodeHint}
}

// apiField is the API's name of a rule's field: the import's column
// names, but "email" for the entry's key (the path).
func apiField(field string) string {
	if field == contacts.FieldKey {
		return "email"
	}
	return field
}

// apiPutContact creates or updates an entry. It is idempotent: the same
// body again changes nothing, writes no history and keeps the ETag (an
// access code that matches the stored hash keeps that hash). If-Match
// makes it conditional on the version last read; If-None-Match: * makes
// it create-only.
func (s *Server) apiPutContact(c echo.Context) error {
	ctx, k := c.Request().Context(), apiKeyOf(c)
	_, key, err := contacts.CheckKey(apiRawKey(c))
	if err != nil {
		return apiInvalid(c, "email", "bad_address")
	}
	var body apiContactBody
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return apiError(c, http.StatusBadRequest, "bad_json", "the body must be a JSON object with full_name, phone_number, access_code, access_code_hint")
	}
	org, err := s.store.Org(ctx, k.OrgID)
	if err != nil {
		return err
	}
	book := db.OrgBook(k.OrgID)
	ck, err := contacts.Prepare(ctx, s.store, book, body.entry(key), org.Country)
	var fe *contacts.FieldError
	if errors.As(err, &fe) {
		return apiInvalid(c, apiField(fe.Field), fe.Reason)
	}
	if err != nil {
		return err
	}
	var saved db.Contact
	var out db.Outcome
	err = s.store.InTx(ctx, func(tx *db.Tx) error {
		cur, err := tx.Contact(ctx, book, key)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if !precondition(c, cur, err == nil) {
			return errPrecondition
		}
		if saved, out, err = tx.PutContact(ctx, book, ck.Input, db.Change{Source: db.SourceAPI, Actor: apiActor(k)}); err != nil {
			return err
		}
		if err := tx.TouchAPIKey(ctx, k.OrgID, k.ID); err != nil {
			return err
		}
		ev := apiAudit(c, "api.contact.put", "contact:"+key)
		ev.Detail = map[db.Outcome]string{db.Created: "created", db.Updated: "updated", db.Unchanged: "unchanged"}[out]
		return tx.AppendAudit(ctx, ev)
	})
	var inv *db.InvalidError
	switch {
	case errors.Is(err, errPrecondition):
		return apiPreconditionFailed(c)
	case errors.As(err, &inv):
		return apiInvalid(c, inv.Field, inv.Reason)
	case err != nil:
		return err
	}
	c.Response().Header().Set("ETag", etagOf(saved))
	if out == db.Created {
		return c.JSON(http.StatusCreated, newAPIContact(saved))
	}
	return c.JSON(http.StatusOK, newAPIContact(saved))
}
