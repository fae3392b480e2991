package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
	"sluis/portal/auth"
)

// userRow is one user of the users page.
type userRow struct {
	db.User
	UnitPath     string
	FactorLocked bool // too many wrong codes: the admin may unlock
}

// usersView is the users page.
type usersView struct {
	baseView
	Users  []userRow
	Units  []unitRow
	Form   newUserForm
	Error  *fieldError
	Notice string
	SelfID int64
}

// listUsers shows the organisation's users with their actions and the
// form to add one.
func (s *Server) listUsers(c echo.Context) error {
	v, err := s.usersPage(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "admin_users", v)
}

func (s *Server) usersPage(c echo.Context) (usersView, error) {
	ctx, me := c.Request().Context(), currentUser(c)
	units, err := s.loadUnitTree(c)
	if err != nil {
		return usersView{}, err
	}
	users, err := s.store.Users(ctx, me.OrgID)
	if err != nil {
		return usersView{}, err
	}
	locked, err := s.store.FactorLockedUsers(ctx, me.OrgID)
	if err != nil {
		return usersView{}, err
	}
	paths := map[int64]string{}
	for _, u := range units {
		paths[u.ID] = u.Path
	}
	v := usersView{baseView: s.base(c, "admin.users.title"), Units: units, Notice: s.adminNotice(c), SelfID: me.ID,
		Form: newUserForm{Role: db.RoleSender}}
	for _, u := range users {
		v.Users = append(v.Users, userRow{User: u, UnitPath: paths[u.UnitID], FactorLocked: locked[u.ID]})
	}
	return v, nil
}

// newUserForm is the posted "add a user" form. The password is never
// kept for a re-render.
type newUserForm struct {
	Email, DisplayName, Role string
	Unit                     int64
	password                 string
}

func readNewUserForm(c echo.Context) newUserForm {
	f := newUserForm{Email: strings.TrimSpace(c.FormValue("email")), DisplayName: strings.TrimSpace(c.FormValue("display_name")),
		Role: c.FormValue("role"), password: c.FormValue("password")}
	f.Unit, _ = strconv.ParseInt(c.FormValue("unit"), 10, 64)
	if len(f.Email) > maxEmailLen {
		f.Email = ""
	}
	return f
}

// newUserError maps the refusals of creating a user to a field and a
// message.
func newUserError(err error) (string, string, bool) {
	var inv *db.InvalidError
	switch {
	case errors.Is(err, auth.ErrPasswordRules):
		return "password", "admin.error.password_rules", true
	case errors.Is(err, db.ErrDuplicate):
		return "email", "admin.error.address_taken", true
	case errors.As(err, &inv) && inv.Field == "address":
		return "email", "admin.error.bad_user_address", true
	case errors.As(err, &inv) && inv.Field == "display_name":
		return "display_name", "admin.error.bad_display_name", true
	case errors.As(err, &inv) && inv.Field == "role":
		return "role", "admin.error.bad_role", true
	case errors.As(err, &inv), errors.Is(err, db.ErrNotFound):
		return "unit", "admin.error.unit_not_found", true
	}
	return "", "", false
}

// renderUsersError re-renders the users page with the form as typed and
// an error beside field.
func (s *Server) renderUsersError(c echo.Context, f newUserForm, field, key string) error {
	v, err := s.usersPage(c)
	if err != nil {
		return err
	}
	v.Form, v.Error = f, &fieldError{Field: field, Text: s.t(c, key)}
	v.Flash = s.errorFlash(c, key)
	return c.Render(http.StatusUnprocessableEntity, "admin_users", v)
}

// accounts are the use cases on users, each with its audit event.
func (s *Server) accounts() auth.Accounts { return auth.Accounts{Store: s.store} }

// actor is the signed-in admin as the account use cases record them.
func (s *Server) actor(c echo.Context) auth.Actor {
	u := currentUser(c)
	return auth.Actor{ID: u.ID, Name: actorOf(u), IP: c.RealIP()}
}

// addUser adds a user with a first password the admin hands over.
func (s *Server) addUser(c echo.Context) error {
	f := readNewUserForm(c)
	_, err := s.accounts().CreateUser(c.Request().Context(), s.actor(c), auth.NewAccount{OrgID: currentUser(c).OrgID,
		UnitID: f.Unit, Email: f.Email, DisplayName: f.DisplayName, Role: f.Role, Password: f.password})
	if err != nil && !errors.Is(err, auth.ErrPasswordRules) {
		after := "email=" + f.Email + " role=" + f.Role + " unit=" + strconv.FormatInt(f.Unit, 10)
		if aerr := s.audit(c, "user.add", "user:new", "", after, err); aerr != nil {
			return errors.Join(err, aerr)
		}
	}
	if field, key, ok := newUserError(err); ok {
		return s.renderUsersError(c, f, field, key)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?done=user_added")
}

// userAction loads the user an action is about (404 for another
// organisation's) and refuses an admin acting on themselves where that
// could lock them out.
func (s *Server) userAction(c echo.Context, notSelf bool) (db.User, error) {
	id, err := pathID(c)
	if err != nil {
		return db.User{}, err
	}
	u, err := s.store.User(c.Request().Context(), currentUser(c).OrgID, id)
	if errors.Is(err, db.ErrNotFound) {
		return db.User{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err == nil && notSelf && u.ID == currentUser(c).ID {
		return db.User{}, echo.NewHTTPError(http.StatusConflict, "an admin cannot do this to themselves")
	}
	return u, err
}

// finishUserAction answers an action on a user. The use case wrote its
// audit event with the change; a failure is recorded here, after the
// change was rolled back.
func (s *Server) finishUserAction(c echo.Context, kind string, u db.User, err error, done string) error {
	if err != nil {
		if aerr := s.audit(c, kind, auth.AuditTarget(u), "", "", err); aerr != nil {
			return errors.Join(err, aerr)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?done="+done)
}

// disableUser disables a user and ends their sessions.
func (s *Server) disableUser(c echo.Context) error {
	u, err := s.userAction(c, true)
	if err != nil {
		return err
	}
	err = s.accounts().SetDisabled(c.Request().Context(), s.actor(c), u, true)
	return s.finishUserAction(c, "user.disable", u, err, "user_disabled")
}

// enableUser re-enables a user.
func (s *Server) enableUser(c echo.Context) error {
	u, err := s.userAction(c, false)
	if err != nil {
		return err
	}
	err = s.accounts().SetDisabled(c.Request().Context(), s.actor(c), u, false)
	return s.finishUserAction(c, "user.enable", u, err, "user_enabled")
}

// moveUserToUnit puts a user in another unit.
func (s *Server) moveUserToUnit(c echo.Context) error {
	u, err := s.userAction(c, false)
	if err != nil {
		return err
	}
	unit, _ := strconv.ParseInt(c.FormValue("unit"), 10, 64)
	err = s.accounts().MoveUser(c.Request().Context(), s.actor(c), u, unit)
	if errors.Is(err, db.ErrNotFound) {
		if aerr := s.audit(c, "user.move", auth.AuditTarget(u), "", "", err); aerr != nil {
			return errors.Join(err, aerr)
		}
		return echo.NewHTTPError(http.StatusNotFound)
	}
	return s.finishUserAction(c, "user.move", u, err, "user_moved")
}

// resetSecondFactor removes a user's TOTP, recovery codes and passkeys
// and ends their sessions (auth.Accounts.ResetSecondFactor).
func (s *Server) resetSecondFactor(c echo.Context) error {
	u, err := s.userAction(c, true)
	if err != nil {
		return err
	}
	err = s.accounts().ResetSecondFactor(c.Request().Context(), s.actor(c), u)
	return s.finishUserAction(c, "user.reset_factor", u, err, "factor_reset")
}

// unlockSecondFactor lets a user whose second factor locked after too many
// wrong codes try codes again (audited).
func (s *Server) unlockSecondFactor(c echo.Context) error {
	u, err := s.userAction(c, false)
	if err != nil {
		return err
	}
	err = s.accounts().UnlockSecondFactor(c.Request().Context(), s.actor(c), u)
	return s.finishUserAction(c, "user.unlock_factor", u, err, "factor_unlocked")
}
