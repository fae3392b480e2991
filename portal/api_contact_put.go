package portal

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/contacts"
	"sluis/portal/secret"
)

// apiContactBody is the body of a PUT. A field left out (or null) keeps
// its value; "" clears it. The access code is hashed at once and never
// stored or shown; "" removes it (and its hint).
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

// input applies the import's rules to the body; code is the access code
// in plain text ("" for none given).
func (b apiContactBody) input(key, kind, region string) (db.ContactInput, string, *contacts.FieldError) {
	in := db.ContactInput{Email: key, FullName: b.FullName}
	if b.FullName != nil && len(*b.FullName) > 200 {
		return in, "", &contacts.FieldError{Field: "full_name", Reason: "too_long"}
	}
	if b.PhoneNumber != nil && *b.PhoneNumber != "" {
		if kind == db.KindDomain {
			return in, "", &contacts.FieldError{Field: "phone_number", Reason: "phone_on_domain"}
		}
		p, err := contacts.CheckPhone(*b.PhoneNumber, region)
		if err != nil {
			return in, "", &contacts.FieldError{Field: "phone_number", Reason: reasonOf(err)}
		}
		in.Phone = &p
	} else if b.PhoneNumber != nil {
		in.Phone = b.PhoneNumber
	}
	hint := ""
	if b.AccessCodeHint != nil {
		hint = *b.AccessCodeHint
	}
	switch {
	case b.AccessCode == nil && hint != "":
		return in, "", &contacts.FieldError{Field: "access_code_hint", Reason: "hint_without_code"}
	case b.AccessCode == nil:
		in.AccessCodeHint = b.AccessCodeHint // only ever "" here
		return in, "", nil
	case *b.AccessCode == "":
		empty := ""
		in.AccessCodeHash, in.AccessCodeHint = &empty, &empty
		return in, "", nil
	}
	if err := contacts.CheckAccessCode(*b.AccessCode, hint); err != nil {
		var fe *contacts.FieldError
		errors.As(err, &fe)
		return in, "", fe
	}
	in.AccessCodeHint = &hint
	return in, *b.AccessCode, nil
}

// apiPutContact creates or updates an entry. It is idempotent: the same
// body again changes nothing, writes no history and keeps the ETag (an
// access code that matches the stored hash keeps that hash). If-Match
// makes it conditional on the version last read; If-None-Match: * makes
// it create-only.
func (s *Server) apiPutContact(c echo.Context) error {
	ctx, k := c.Request().Context(), apiKeyOf(c)
	kind, key, err := contacts.CheckKey(apiRawKey(c))
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
	in, code, fe := body.input(key, kind, org.Country)
	if fe != nil {
		return apiInvalid(c, fe.Field, fe.Reason)
	}
	book := db.OrgBook(k.OrgID)
	if code != "" {
		if in.AccessCodeHash, err = s.hashAPICode(c, book, key, code); err != nil {
			return err
		}
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
		if saved, out, err = tx.PutContact(ctx, book, in, db.Change{Source: db.SourceAPI, Actor: apiActor(k)}); err != nil {
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

// hashAPICode hashes an access code, keeping the stored hash when the code
// is the one on file (so a repeated PUT changes nothing). The slow hash
// runs before the write transaction.
func (s *Server) hashAPICode(c echo.Context, book db.Book, key, code string) (*string, error) {
	if old, err := s.store.Contact(c.Request().Context(), book, key); err == nil && old.AccessCodeHash != "" {
		if ok, err := secret.Verify(old.AccessCodeHash, code); err == nil && ok {
			return &old.AccessCodeHash, nil
		}
	}
	h, err := secret.Hash(code)
	return &h, err
}
