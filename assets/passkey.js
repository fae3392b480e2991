// Sluis: passkey ceremonies (sign in with a passkey, add a passkey). The
// server keeps the challenge; this file only carries the options to the
// browser's WebAuthn API and the answer back. Pages work without it:
// password and TOTP remain.
"use strict";

(function () {
  function b64ToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // ServerError carries the server's translated answer; anything else
  // (the person cancelled, the browser refused) shows the page's own text.
  function ServerError(msg) { this.message = msg; }
  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
      body: body === undefined ? "" : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new ServerError(j.error || "");
        return j;
      });
    });
  }
  function showError(button, e) {
    var el = document.getElementById("passkey-error");
    if (!el) return;
    el.textContent = (e instanceof ServerError && e.message) || button.dataset.failed || "Passkey failed";
    el.hidden = false;
  }
  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id, rawId: bufToB64(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: bufToB64(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = bufToB64(r.authenticatorData);
      out.response.signature = bufToB64(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64(r.userHandle);
    }
    return out;
  }

  // The passkey controls are hidden in the page: without this script, or
  // in a browser without WebAuthn, they could do nothing.
  if (window.PublicKeyCredential) {
    document.querySelectorAll("[data-needs-script]").forEach(function (el) { el.hidden = false; });
  }

  var signin = document.getElementById("passkey-signin");
  if (signin && window.PublicKeyCredential) {
    signin.addEventListener("click", function () {
      var d = signin.dataset;
      post(d.begin, d.csrf).then(function (opts) {
        var pk = opts.publicKey;
        pk.challenge = b64ToBuf(pk.challenge);
        (pk.allowCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
        return navigator.credentials.get({ publicKey: pk });
      }).then(function (cred) {
        var url = d.finish + (d.next ? "?next=" + encodeURIComponent(d.next) : "");
        return post(url, d.csrf, credentialJSON(cred));
      }).then(function (res) { window.location.assign(res.redirect); })
        .catch(function (e) { showError(signin, e); });
    });
  }

  var reg = document.getElementById("passkey-register");
  if (reg && window.PublicKeyCredential) {
    reg.addEventListener("click", function () {
      var d = reg.dataset, name = document.getElementById("passkey-name");
      post(d.begin, d.csrf).then(function (opts) {
        var pk = opts.publicKey;
        pk.challenge = b64ToBuf(pk.challenge);
        pk.user.id = b64ToBuf(pk.user.id);
        (pk.excludeCredentials || []).forEach(function (c) { c.id = b64ToBuf(c.id); });
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (cred) {
        return post(d.finish + "?name=" + encodeURIComponent(name ? name.value : ""), d.csrf, credentialJSON(cred));
      }).then(function (res) { window.location.assign(res.redirect); })
        .catch(function (e) { showError(reg, e); });
    });
  }
})();
