package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

// tree is an organisation with root → child → grandchild.
type tree struct {
	org               db.Org
	child, grandchild db.Unit
}

func newTree(t *testing.T, s *db.Store) tree {
	t.Helper()
	ctx := context.Background()
	org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Org", Domains: []string{"org.example"}})
	must(t, err)
	child, err := s.CreateUnit(ctx, org.ID, org.RootUnit, "Child")
	must(t, err)
	grandchild, err := s.CreateUnit(ctx, org.ID, child.ID, "Grandchild")
	must(t, err)
	return tree{org, child, grandchild}
}

func TestDefaults(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		tr := newTree(t, s)
		got, err := New(s).For(context.Background(), tr.org.ID, tr.grandchild.ID)
		must(t, err)
		if !got.WebSending || got.RequireSecondFactor || got.DraftRetention != 14*24*time.Hour ||
			got.MessageRetention != 30*24*time.Hour || got.MaxMessageSize != 50<<20 || got.Verification != VerifyAlways ||
			!got.Allows(MethodSMS) || !got.Allows(MethodAccessCode) || got.DefaultMethod != MethodNone ||
			got.Receipts.Mode != ReceiptsOff || !got.Receipts.Ask || len(got.Receipts.Allowlist) != 0 {
			t.Errorf("defaults: %+v", got)
		}
	})
}

// TestInheritance sets a value at the root, overrides it in the child,
// then removes the override, and checks every unit after each step: the
// value and where it comes from.
func TestInheritance(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		tr := newTree(t, s)
		p := New(s)
		root, child, grand := tr.org.RootUnit, tr.child.ID, tr.grandchild.ID
		type want struct {
			value string
			from  int64 // 0: the default
		}
		steps := []struct {
			name    string
			unit    int64
			value   string
			inherit bool
			want    map[int64]want
		}{
			{"set at root", root, "any", false, map[int64]want{root: {"any", root}, child: {"any", root}, grand: {"any", root}}},
			{"override in child", child, "internal_allowlist", false,
				map[int64]want{root: {"any", root}, child: {"internal_allowlist", child}, grand: {"internal_allowlist", child}}},
			{"override in grandchild", grand, "off", false,
				map[int64]want{root: {"any", root}, child: {"internal_allowlist", child}, grand: {"off", grand}}},
			{"remove the child's override", child, "", true,
				map[int64]want{root: {"any", root}, child: {"any", root}, grand: {"off", grand}}},
			{"remove the grandchild's override", grand, "", true,
				map[int64]want{root: {"any", root}, child: {"any", root}, grand: {"any", root}}},
			{"remove the root's value", root, "", true,
				map[int64]want{root: {"off", 0}, child: {"off", 0}, grand: {"off", 0}}},
		}
		for _, st := range steps {
			err := p.Apply(ctx, Change{OrgID: tr.org.ID, UnitID: st.unit, Name: ReadReceipts, Value: st.value, Inherit: st.inherit,
				Audit: db.AuditEvent{Actor: "user:1 admin@org.example", IP: "192.0.2.1"}})
			must(t, err)
			for unit, w := range st.want {
				rs, err := p.Resolve(ctx, tr.org.ID, unit)
				must(t, err)
				r := find(rs, ReadReceipts)
				if r.Value != w.value || r.From.ID != w.from || r.Own != (w.from == unit) {
					t.Errorf("%s: unit %d: %q from %d (own %v); want %q from %d", st.name, unit, r.Value, r.From.ID, r.Own, w.value, w.from)
				}
				got, err := p.For(ctx, tr.org.ID, unit)
				must(t, err)
				if got.Receipts.Mode != w.value {
					t.Errorf("%s: unit %d: For says %q", st.name, unit, got.Receipts.Mode)
				}
			}
		}
		events, err := s.AuditEvents(ctx, tr.org.ID, AuditQueryPolicy())
		must(t, err)
		if len(events) != len(steps) {
			t.Fatalf("%d audit events, want %d", len(events), len(steps))
		}
		last, first := events[0], events[len(events)-1]
		if first.Before != "read_receipts inherited" || first.After != "read_receipts=any" || first.IP != "192.0.2.1" ||
			last.Before != "read_receipts=any" || last.After != "read_receipts inherited" {
			t.Errorf("audit events: first %+v, last %+v", first, last)
		}
	})
}

// AuditQueryPolicy selects the policy changes.
func AuditQueryPolicy() db.AuditQuery { return db.AuditQuery{Kind: "policy.change"} }

func find(rs []Resolved, name string) Resolved {
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	return Resolved{}
}

func TestSetAndInherit(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		tr := newTree(t, s)
		p := New(s)
		must(t, p.Set(ctx, tr.org.ID, tr.org.RootUnit, WebSending, "false", "test"))
		must(t, p.Set(ctx, tr.org.ID, tr.child.ID, WebSending, "true", "test"))
		must(t, p.Set(ctx, tr.org.ID, tr.grandchild.ID, DraftRetention, "48h", "test"))
		if got, _ := p.For(ctx, tr.org.ID, tr.grandchild.ID); !got.WebSending || got.DraftRetention != 48*time.Hour {
			t.Errorf("grandchild: %+v", got)
		}
		must(t, p.Inherit(ctx, tr.org.ID, tr.child.ID, WebSending))
		if got, _ := p.For(ctx, tr.org.ID, tr.grandchild.ID); got.WebSending {
			t.Error("after Inherit the grandchild still may send from the web")
		}
		if err := p.Set(ctx, tr.org.ID, tr.child.ID, "nope", "1", "test"); !errors.Is(err, ErrUnknownSetting) {
			t.Errorf("unknown setting: %v", err)
		}
	})
}

func TestValues(t *testing.T) {
	long := strings.Repeat("a", 250) + "@x.example"
	var many []string
	for i := range 101 {
		many = append(many, "p"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26))+"@partner.example")
	}
	for _, tt := range []struct {
		name, value string
		reason      string // "" means accepted
	}{
		{WebSending, "maybe", "bad_bool"},
		{WebSending, "false", ""},
		{DraftRetention, "1s", "bad_duration"},
		{MessageRetention, "2160h", ""},
		{MaxMessageSize, "0", "bad_size"},
		{MaxMessageSize, "50", ""},
		{MethodsAllowed, "", "no_method"},
		{MethodsAllowed, "sms,fax", "bad_choice"},
		{MethodsAllowed, "access_code", ""},
		{DefaultMethod, "sms", ""},
		{Verification, "sometimes", "bad_choice"},
		{ReadReceipts, "internal_allowlist", ""},
		{ReadReceipts, "all", "bad_choice"},
		{ReceiptAllowlist, "a@partner.example, B@Partner.example,,", ""},
		{ReceiptAllowlist, "a@partner.example; b@partner.example", "allowlist_bad_address"},
		{ReceiptAllowlist, "Jan <jan@partner.example>", "allowlist_bad_address"},
		{ReceiptAllowlist, long, "allowlist_too_long"},
		{ReceiptAllowlist, strings.Join(many, ","), "allowlist_too_many"},
		{ReceiptAllowlist, strings.Join(many[:100], ","), ""},
	} {
		err := Definitions[tt.name].Check(tt.value)
		ve, isValue := IsValueError(err)
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s=%q: %v", tt.name, tt.value, err)
		case tt.reason != "" && (!isValue || ve.Reason != tt.reason):
			t.Errorf("%s=%q: %v, want reason %s", tt.name, tt.value, err, tt.reason)
		}
	}
	if got := normalize(ReceiptAllowlist, " A@partner.example, b@partner.example ,a@partner.example"); got != "a@partner.example,b@partner.example" {
		t.Errorf("normalized allowlist: %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
