// Sluis: small progressive enhancements. Every page works without this
// file; it is loaded with the page's CSP nonce.
"use strict";

// Ignore a second submit of the same form (a double click), so one action
// is not posted twice. Pages restored from the back/forward cache start
// fresh.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.submitted === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
});

window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitted]").forEach(function (form) {
    delete form.dataset.submitted;
  });
});

// Fit the frame of a message's HTML body to its content, so the page
// scrolls as one. The frame runs no script of its own; without this it
// keeps the height the style sheet gives it and scrolls inside.
document.querySelectorAll("iframe.mail-frame").forEach(function (frame) {
  function fit() {
    var doc = frame.contentDocument;
    if (doc && doc.readyState === "complete" && doc.documentElement) {
      frame.style.height = doc.documentElement.scrollHeight + "px";
    }
  }
  frame.addEventListener("load", fit);
  window.addEventListener("resize", fit);
  fit();
});
