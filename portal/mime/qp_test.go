package mime

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestQuotedPrintable(t *testing.T) {
	tests := map[string]string{
		"plain":                               "plain",
		"caf=E9 caf=e9":                       "caf\xe9 caf\xe9",
		"soft=\r\nbreak":                      "softbreak",
		"soft=\nbreak":                        "softbreak",
		"soft=  \t\r\nbreak":                  "softbreak",
		"trailing   \r\nspace\t\n":            "trailing\r\nspace\n",
		"inner  space":                        "inner  space",
		"1 + 1 = 2":                           "1 + 1 = 2",
		"=ZZ and =4":                          "=ZZ and =4",
		"end=":                                "end",
		"end=  ":                              "end",
		"end  ":                               "end",
		"ctl\x01\x7f\x0c":                     "ctl\x01\x7f\x0c",
		"8bit \xc3\xa9":                       "8bit \xc3\xa9",
		"=3D=3d":                              "==",
		"lone \r cr":                          "lone \r cr",
		"==41":                                "=A",
		strings.Repeat("x", 10000):            strings.Repeat("x", 10000),
		strings.Repeat(" ", 300) + "x":        strings.Repeat(" ", 300) + "x",
		"=" + strings.Repeat(" ", 300):        "=" + strings.Repeat(" ", 256), // lookahead is bounded
		"a" + strings.Repeat(" ", 300):        "a" + strings.Repeat(" ", 256),
		"tab\t=\r\n\tnext":                    "tab\t\tnext",
		"=\r\n":                               "",
		"x=\r":                                "x=\r",
		"a=\r\n=\r\nb":                        "ab",
		"long " + strings.Repeat("=41", 5000): "long " + strings.Repeat("A", 5000),
	}
	for in, want := range tests {
		for name, r := range map[string]io.Reader{
			"whole":    strings.NewReader(in),
			"one byte": iotest.OneByteReader(strings.NewReader(in)),
		} {
			got, err := chunked(newQPReader(r), 7)
			if err != nil || got != want {
				t.Errorf("%.40q, %s: got %.60q, %v; want %.60q", in, name, got, err, want)
			}
		}
	}
}
