package format

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrEmpty is returned by ReadHead for a file with no bytes or only blank
// space.
var ErrEmpty = errors.New("the file is empty")

// Head is the start of a CSV file: its delimiter, first line and a few rows.
type Head struct {
	Delimiter rune
	Header    []string
	Sample    [][]string
}

// ReadHead reads the first line of a CSV file and up to n following rows,
// guessing the delimiter among ',', ';', tab and '|' from the first line.
func ReadHead(r io.Reader, n int) (Head, error) {
	br := bufio.NewReader(r)
	first, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return Head{}, err
	}
	line := strings.TrimRight(strings.TrimPrefix(first, "\ufeff"), "\r\n")
	if strings.TrimSpace(line) == "" {
		rest, _ := io.ReadAll(io.LimitReader(br, 1<<16))
		if strings.TrimSpace(string(rest)) == "" {
			return Head{}, ErrEmpty
		}
		return Head{}, fmt.Errorf("line 1 is blank: the first line must be the header")
	}
	h := Head{Delimiter: guessDelimiter(line)}
	cr := csv.NewReader(io.MultiReader(strings.NewReader(line+"\n"), br))
	cr.Comma = h.Delimiter
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	rec, err := cr.Read()
	if err != nil {
		return Head{}, fmt.Errorf("line 1: %w", err)
	}
	h.Header = rec
	for len(h.Sample) < n {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A malformed sample row is reported by the full reader with its
			// line number; detection works with the rows read so far.
			break
		}
		h.Sample = append(h.Sample, rec)
	}
	return h, nil
}

func guessDelimiter(line string) rune {
	best, bestN := ',', 0
	for _, d := range []rune{',', ';', '\t', '|'} {
		cnt, inQuote := 0, false
		for _, r := range line {
			switch {
			case r == '"':
				inQuote = !inQuote
			case r == d && !inQuote:
				cnt++
			}
		}
		if cnt > bestN {
			best, bestN = d, cnt
		}
	}
	return best
}
