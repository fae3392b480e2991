package portal

import (
	"net/http"
	"strings"
	"testing"
)

// insideHidden reports whether the element with id sits inside the block
// passkey.js reveals: after its start, with every div opened since closed.
func insideHidden(body, id string) bool {
	at := strings.Index(body, `id="`+id+`"`)
	start := strings.LastIndex(body[:max(at, 0)], `<div data-needs-script hidden>`)
	if at < 0 || start < 0 {
		return false
	}
	between := body[start+len(`<div data-needs-script hidden>`) : at]
	return strings.Count(between, "<div") == strings.Count(between, "</div>")
}

// TestPasskeyButtonsNeedTheScript: a browser without JavaScript never sees
// a passkey button that could do nothing; passkey.js shows them.
func TestPasskeyButtonsNeedTheScript(t *testing.T) {
	se := newSenderEnv(t)
	b, _ := passkeyBrowser(t, se)
	account := b.get("/account")
	mustContain(t, "account", account, http.StatusOK, `id="passkey-register"`)
	if !insideHidden(account.body, "passkey-register") {
		t.Errorf("the add-a-passkey button is not inside a hidden block:\n%s", mainOf(account.body))
	}
	b.signedOut()
	signin := b.get("/signin")
	mustContain(t, "signin", signin, http.StatusOK, `id="passkey-signin"`)
	if !insideHidden(signin.body, "passkey-signin") {
		t.Errorf("the passkey sign-in button is not inside a hidden block:\n%s", mainOf(signin.body))
	}
}
