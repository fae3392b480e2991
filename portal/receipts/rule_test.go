package receipts

import (
	"fmt"
	"testing"

	"sluis/portal/policy"
)

// TestDecide runs every case: each mode × requester (internal,
// allowlisted, other) × prompt on/off × direct / group / alias, for a
// reader of the organisation (whose unit has the same rule as the
// sender's) and for an external reader.
func TestDecide(t *testing.T) {
	requesters := map[string]string{
		"internal":    "arts@zkh.example",
		"allowlisted": "secretariaat@partner.example",
		"other":       "someone@elsewhere.example",
	}
	cases := []struct {
		mode, requester string
		ask             bool
		internal        Decision // a reader of the organisation, direct address
		external        Decision // a reader outside it
	}{
		{policy.ReceiptsOff, "internal", true, None, None},
		{policy.ReceiptsOff, "internal", false, None, None},
		{policy.ReceiptsOff, "allowlisted", true, None, None},
		{policy.ReceiptsOff, "allowlisted", false, None, None},
		{policy.ReceiptsOff, "other", true, None, None},
		{policy.ReceiptsOff, "other", false, None, None},
		{policy.ReceiptsInternal, "internal", true, Ask, Ask},
		{policy.ReceiptsInternal, "internal", false, Auto, Ask},
		{policy.ReceiptsInternal, "allowlisted", true, Ask, Ask},
		{policy.ReceiptsInternal, "allowlisted", false, Auto, Ask},
		{policy.ReceiptsInternal, "other", true, None, None},
		{policy.ReceiptsInternal, "other", false, None, None},
		{policy.ReceiptsAny, "internal", true, Ask, Ask},
		{policy.ReceiptsAny, "internal", false, Ask, Ask},
		{policy.ReceiptsAny, "allowlisted", true, Ask, Ask},
		{policy.ReceiptsAny, "allowlisted", false, Ask, Ask},
		{policy.ReceiptsAny, "other", true, Ask, Ask},
		{policy.ReceiptsAny, "other", false, Ask, Ask},
	}
	addressings := []struct {
		name string
		a    Addressing
	}{{"direct", Direct}, {"group", Group}, {"alias", Alias}}
	n := 0
	for _, tc := range cases {
		rule := policy.ReceiptPolicy{Mode: tc.mode, Ask: tc.ask, Allowlist: []string{"secretariaat@partner.example"}}
		for _, ad := range addressings {
			for _, external := range []bool{false, true} {
				want := tc.internal
				if external {
					want = tc.external
				}
				if ad.a != Direct {
					want = None // never for a group, a list or an alias
				}
				c := Case{Requester: requesters[tc.requester], OrgDomains: []string{"zkh.example"}, Sender: rule,
					External: external, Reader: rule, Addressing: ad.a}
				name := fmt.Sprintf("%s/%s/ask=%v/%s/external=%v", tc.mode, tc.requester, tc.ask, ad.name, external)
				if got := Decide(c); got != want {
					t.Errorf("%s: %v, want %v", name, got, want)
				}
				n++
			}
		}
	}
	if n != 3*3*2*3*2 {
		t.Errorf("ran %d cases", n)
	}
}

// TestDecideUnits covers the rule when the sender's and the reader's
// units differ, and the edges: no request, nobody's address.
func TestDecideUnits(t *testing.T) {
	off := policy.ReceiptPolicy{Mode: policy.ReceiptsOff}
	any := policy.ReceiptPolicy{Mode: policy.ReceiptsAny}
	auto := policy.ReceiptPolicy{Mode: policy.ReceiptsInternal, Ask: false}
	domains := []string{"zkh.example"}
	for _, tt := range []struct {
		name string
		c    Case
		want Decision
	}{
		{"no request", Case{OrgDomains: domains, Sender: any, Reader: any}, None},
		{"sender's unit off ignores the request", Case{Requester: "a@zkh.example", OrgDomains: domains, Sender: off, Reader: any}, None},
		{"reader's unit off", Case{Requester: "a@zkh.example", OrgDomains: domains, Sender: any, Reader: off}, None},
		{"reader's unit automatic", Case{Requester: "a@zkh.example", OrgDomains: domains, Sender: any, Reader: auto}, Auto},
		{"reader's unit automatic, external requester", Case{Requester: "a@x.example", OrgDomains: domains, Sender: any, Reader: auto}, None},
		{"external reader with the sender's unit on automatic", Case{Requester: "a@zkh.example", OrgDomains: domains, Sender: auto, External: true}, Ask},
		{"nobody's address", Case{Requester: "a@zkh.example", OrgDomains: domains, Sender: any, Reader: any, Addressing: Unknown}, None},
		{"requester domain case", Case{Requester: "a@ZKH.example", OrgDomains: domains, Sender: auto, Reader: auto}, Auto},
	} {
		if got := Decide(tt.c); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
