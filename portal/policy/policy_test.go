package policy

import (
	"context"
	"errors"
	"testing"
	"time"

	"sluis/db"
	"sluis/db/dbtest"
)

func TestInheritance(t *testing.T) {
	dbtest.Each(t, dbtest.Options{}, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		org, err := s.CreateOrg(ctx, db.NewOrg{Name: "Org", Domains: []string{"org.example"}})
		if err != nil {
			t.Fatal(err)
		}
		child, err := s.CreateUnit(ctx, org.ID, org.RootUnit, "Child")
		if err != nil {
			t.Fatal(err)
		}
		grandchild, err := s.CreateUnit(ctx, org.ID, child.ID, "Grandchild")
		if err != nil {
			t.Fatal(err)
		}
		p := New(s)
		want := Settings{WebSending: true, DraftRetention: 14 * 24 * time.Hour}
		if got, err := p.For(ctx, org.ID, grandchild.ID); err != nil || got != want {
			t.Fatalf("defaults: %+v, %v", got, err)
		}
		must(t, p.Set(ctx, org.ID, org.RootUnit, WebSending, "false", "test"))
		must(t, p.Set(ctx, org.ID, child.ID, WebSending, "true", "test"))
		must(t, p.Set(ctx, org.ID, org.RootUnit, RequireSecondFactor, "true", "test"))
		must(t, p.Set(ctx, org.ID, grandchild.ID, DraftRetention, "48h", "test"))
		for _, tt := range []struct {
			unit int64
			want Settings
		}{
			{org.RootUnit, Settings{false, true, 14 * 24 * time.Hour}},
			{child.ID, Settings{true, true, 14 * 24 * time.Hour}},
			{grandchild.ID, Settings{true, true, 48 * time.Hour}},
		} {
			if got, err := p.For(ctx, org.ID, tt.unit); err != nil || got != tt.want {
				t.Errorf("unit %d: %+v, %v; want %+v", tt.unit, got, err, tt.want)
			}
		}
		must(t, p.Inherit(ctx, org.ID, child.ID, WebSending))
		if got, _ := p.For(ctx, org.ID, grandchild.ID); got.WebSending {
			t.Error("after Inherit the grandchild still may send from the web")
		}
		if err := p.Set(ctx, org.ID, child.ID, "nope", "1", "test"); !errors.Is(err, ErrUnknownSetting) {
			t.Errorf("unknown setting: %v", err)
		}
		if err := p.Set(ctx, org.ID, child.ID, WebSending, "maybe", "test"); err == nil {
			t.Error("a bad value was accepted")
		}
		if err := p.Set(ctx, org.ID, child.ID, DraftRetention, "1s", "test"); err == nil {
			t.Error("a retention of one second was accepted")
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
