package portal

// mailBody returns the text of the message's body as the reader sees it:
// the HTML body's frame once loaded, else the plain-text body.
func (w *walk) mailBody() string {
	w.t.Helper()
	return eval[string](w, "reading the message body", `new Promise(done => {
		const frame = document.querySelector("iframe.mail-frame");
		if (!frame) { done(document.querySelector(".mail-body").innerText); return; }
		const read = () => done(frame.contentDocument.body.innerText);
		const doc = frame.contentDocument;
		if (doc && doc.readyState === "complete" && doc.URL !== "about:blank") read();
		else frame.addEventListener("load", read);
	})`)
}
