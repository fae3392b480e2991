package mime

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// chunked reads from r with a buffer of exactly n bytes each time.
func chunked(r io.Reader, n int) (string, error) {
	var out strings.Builder
	p := make([]byte, n)
	for {
		k, err := r.Read(p)
		out.Write(p[:k])
		if err == io.EOF {
			return out.String(), nil
		}
		if err != nil {
			return out.String(), err
		}
	}
}

func TestCanonicalLineEnds(t *testing.T) {
	tests := map[string]string{
		"a\nb":         "a\r\nb",
		"a\r\nb\r\n":   "a\r\nb\r\n",
		"\n\n":         "\r\n\r\n",
		"\r":           "\r",
		"a\rb\n\r\n\n": "a\rb\r\n\r\n\r\n",
		"":             "",
	}
	for in, want := range tests {
		for _, size := range []int{1, 2, 3, 4096} {
			for name, src := range map[string]io.Reader{
				"whole":    strings.NewReader(in),
				"one byte": iotest.OneByteReader(strings.NewReader(in)),
			} {
				got, err := chunked(&canonical{r: src}, size)
				if err != nil || got != want {
					t.Errorf("%q, %s, reads of %d: got %q, %v; want %q", in, name, size, got, err, want)
				}
			}
		}
	}
}
