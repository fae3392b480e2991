package portal

import "testing"

func TestContentDisposition(t *testing.T) {
	cases := map[string]string{
		"report.pdf":                `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
		`uitslag röntgen "def".pdf`: `attachment; filename="uitslag r_ntgen _def_.pdf"; filename*=UTF-8''uitslag%20r%C3%B6ntgen%20%22def%22.pdf`,
		"../../etc/passwd":          `attachment; filename="passwd"; filename*=UTF-8''passwd`,
		"a\r\nSet-Cookie: x.txt":    `attachment; filename="aSet-Cookie: x.txt"; filename*=UTF-8''aSet-Cookie%3A%20x.txt`,
		"":                          `attachment; filename="file"; filename*=UTF-8''file`,
	}
	for name, want := range cases {
		if got := contentDisposition("attachment", name); got != want {
			t.Errorf("%q:\n got  %s\n want %s", name, got, want)
		}
	}
}
