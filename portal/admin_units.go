package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sluis/db"
)

// unitRow is one unit of the tree, in depth-first order.
type unitRow struct {
	db.Unit
	Depth int
	Path  string // "Root / Child / Grandchild", for the move choices
	Users int
}

// unitsView is the unit tree page.
type unitsView struct {
	baseView
	Units  []unitRow
	Notice string
}

// unitTree orders an organisation's units depth first, with their paths.
func unitTree(units []db.Unit, users []db.User) []unitRow {
	children := map[int64][]db.Unit{}
	var roots []db.Unit
	for _, u := range units {
		if u.ParentID == 0 {
			roots = append(roots, u)
		} else {
			children[u.ParentID] = append(children[u.ParentID], u)
		}
	}
	count := map[int64]int{}
	for _, u := range users {
		count[u.UnitID]++
	}
	var out []unitRow
	var walk func(u db.Unit, depth int, path string)
	walk = func(u db.Unit, depth int, path string) {
		if depth > len(units) {
			return
		}
		if path != "" {
			path += " / "
		}
		path += u.Name
		out = append(out, unitRow{Unit: u, Depth: depth, Path: path, Users: count[u.ID]})
		for _, ch := range children[u.ID] {
			walk(ch, depth+1, path)
		}
	}
	for _, r := range roots {
		walk(r, 0, "")
	}
	return out
}

// loadUnitTree reads the admin's organisation's tree.
func (s *Server) loadUnitTree(c echo.Context) ([]unitRow, error) {
	ctx, u := c.Request().Context(), currentUser(c)
	units, err := s.store.Units(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	users, err := s.store.Users(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	return unitTree(units, users), nil
}

// listUnits shows the unit tree with its actions.
func (s *Server) listUnits(c echo.Context) error {
	return s.renderUnits(c, http.StatusOK, "")
}

// renderUnits renders the tree, with a translated error when errKey is set.
func (s *Server) renderUnits(c echo.Context, status int, errKey string) error {
	rows, err := s.loadUnitTree(c)
	if err != nil {
		return err
	}
	v := unitsView{baseView: s.base(c, "admin.units.title"), Units: rows, Notice: s.adminNotice(c)}
	if errKey != "" {
		v.Flash = s.errorFlash(c, errKey)
	}
	return c.Render(status, "admin_units", v)
}

// unitForm is a posted unit form: a name and/or a parent.
type unitForm struct {
	Name   string
	Parent int64
}

func readUnitForm(c echo.Context) unitForm {
	f := unitForm{Name: strings.TrimSpace(c.FormValue("name"))}
	f.Parent, _ = strconv.ParseInt(c.FormValue("parent"), 10, 64)
	return f
}

// validateName checks a unit name; the key of a translated error, or "".
func (f unitForm) validateName() string {
	if f.Name == "" || len(f.Name) > 200 {
		return "admin.error.bad_unit_name"
	}
	return ""
}

// unitErrors maps the store's refusals to a status and a message.
func unitError(err error) (int, string, bool) {
	var inv *db.InvalidError
	switch {
	case errors.Is(err, db.ErrInUse):
		return http.StatusConflict, "admin.error.unit_in_use", true
	case errors.As(err, &inv) && inv.Reason == "cycle":
		return http.StatusUnprocessableEntity, "admin.error.unit_cycle", true
	case errors.As(err, &inv) && inv.Reason == "is_root":
		return http.StatusUnprocessableEntity, "admin.error.unit_root", true
	case errors.As(err, &inv):
		return http.StatusUnprocessableEntity, "admin.error.bad_unit_name", true
	case errors.Is(err, db.ErrNotFound):
		return http.StatusNotFound, "admin.error.unit_not_found", true
	}
	return 0, "", false
}

// finishUnitAction audits an action on a unit and answers: back to the
// tree with a notice, or the tree with the translated refusal.
func (s *Server) finishUnitAction(c echo.Context, kind, target, before, after string, err error, done string) error {
	if aerr := s.audit(c, kind, target, before, after, err); aerr != nil {
		return aerr
	}
	if status, key, ok := unitError(err); ok {
		return s.renderUnits(c, status, key)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/units?done="+done)
}

// createUnit adds a unit under a parent.
func (s *Server) createUnit(c echo.Context) error {
	f := readUnitForm(c)
	if key := f.validateName(); key != "" {
		return s.renderUnits(c, http.StatusUnprocessableEntity, key)
	}
	unit, err := s.store.CreateUnit(c.Request().Context(), currentUser(c).OrgID, f.Parent, f.Name)
	target := "unit:" + strconv.FormatInt(unit.ID, 10)
	return s.finishUnitAction(c, "unit.create", target, "", "name="+f.Name+" parent="+strconv.FormatInt(f.Parent, 10), err, "unit_created")
}

// renameUnit gives a unit a new name.
func (s *Server) renameUnit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := readUnitForm(c)
	if key := f.validateName(); key != "" {
		return s.renderUnits(c, http.StatusUnprocessableEntity, key)
	}
	ctx, u := c.Request().Context(), currentUser(c)
	old, err := s.store.Unit(ctx, u.OrgID, id)
	if err == nil {
		err = s.store.RenameUnit(ctx, u.OrgID, id, f.Name)
	}
	return s.finishUnitAction(c, "unit.rename", "unit:"+c.Param("id"), "name="+old.Name, "name="+f.Name, err, "unit_renamed")
}

// moveUnit gives a unit a new parent.
func (s *Server) moveUnit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := readUnitForm(c)
	ctx, u := c.Request().Context(), currentUser(c)
	old, err := s.store.Unit(ctx, u.OrgID, id)
	if err == nil {
		err = s.store.MoveUnit(ctx, u.OrgID, id, f.Parent)
	}
	before, after := "parent="+strconv.FormatInt(old.ParentID, 10), "parent="+strconv.FormatInt(f.Parent, 10)
	return s.finishUnitAction(c, "unit.move", "unit:"+c.Param("id"), before, after, err, "unit_moved")
}

// deleteUnit removes a unit that has no users and no child units.
func (s *Server) deleteUnit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), currentUser(c)
	old, err := s.store.Unit(ctx, u.OrgID, id)
	if err == nil {
		err = s.store.DeleteUnit(ctx, u.OrgID, id)
	}
	return s.finishUnitAction(c, "unit.delete", "unit:"+c.Param("id"), "name="+old.Name, "", err, "unit_deleted")
}
