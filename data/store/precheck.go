package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/riskon/riskon/internal/input"
)

// precheck reads a CSV file once, in chunks, before DuckDB sees it: it
// refuses invalid UTF-8 (DuckDB's reader may fail with an internal error on
// it) and lines longer than input.MaxLineBytes (DuckDB's reader drops
// those silently), naming the line, and counts the records so that every
// record is either stored or named in an error. It never holds more than a
// chunk and the start of the current line in memory.
type precheck struct {
	path    string
	line    int   // current 1-based line
	lineLen int64 // bytes of the current line so far (without \n)
	content bool  // the current line has a byte other than \r
	quoted  bool  // inside a quoted field ("" escapes a quote, RFC 4180)
	recHas  bool  // the current record has content
	records int64 // records ended so far (blank lines are not records)
	// recLine[i] is the line on which record i started, for the first
	// recLines records, so a count of records after the header's lines can
	// be computed once the layout is known.
	recLine []int
	carry   []byte // an incomplete UTF-8 sequence cut by a chunk's end
}

// recLines is how many record start lines precheck remembers: more than any
// layout's lines before its first data row.
const recLines = 1024

func newPrecheck(path string) *precheck {
	return &precheck{path: path, line: 1}
}

// write checks the next chunk of the file.
func (p *precheck) write(b []byte) error {
	if len(p.carry) > 0 {
		// Complete the rune cut by the previous chunk.
		need := utf8.UTFMax - len(p.carry)
		if need > len(b) {
			need = len(b)
		}
		joined := append(append([]byte(nil), p.carry...), b[:need]...)
		r, w := utf8.DecodeRune(joined)
		if r == utf8.RuneError && w <= 1 && (utf8.FullRune(joined) || len(joined) >= utf8.UTFMax) {
			return p.badUTF8()
		}
		if !utf8.FullRune(joined) {
			p.carry = joined
			return nil
		}
		p.lineLen += int64(w)
		p.content, p.recHas = true, true
		b = b[w-len(p.carry):]
		p.carry = p.carry[:0]
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			switch c {
			case '\n':
				if !p.quoted && p.recHas {
					p.endRecord()
				}
				p.line++
				p.lineLen = 0
				p.content = false
				i++
				continue
			case '"':
				p.quoted = !p.quoted
			}
			if c != '\r' {
				p.content, p.recHas = true, true
			}
			p.lineLen++
			if p.lineLen > input.MaxLineBytes {
				return p.longLine()
			}
			i++
			continue
		}
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w <= 1 {
			if !utf8.FullRune(b[i:]) {
				p.carry = append(p.carry[:0], b[i:]...)
				return nil
			}
			return p.badUTF8()
		}
		p.content, p.recHas = true, true
		p.lineLen += int64(w)
		if p.lineLen > input.MaxLineBytes {
			return p.longLine()
		}
		i += w
	}
	return nil
}

func (p *precheck) endRecord() {
	if len(p.recLine) < recLines {
		// The record ends on this line; it started on the line recorded at
		// its first content, approximated by this line for one-line records.
		p.recLine = append(p.recLine, p.line)
	}
	p.records++
	p.recHas = false
}

// done ends the file: a last line without a newline is a record too.
func (p *precheck) done() error {
	if len(p.carry) > 0 {
		return p.badUTF8()
	}
	if p.recHas {
		p.endRecord()
	}
	return nil
}

// dataRecords is the number of records after the first skip lines.
func (p *precheck) dataRecords(skip int) int64 {
	n := p.records
	for _, l := range p.recLine {
		if l <= skip {
			n--
		}
	}
	return n
}

func (p *precheck) badUTF8() error {
	return fmt.Errorf("import %s: line %d: byte %d is not valid UTF-8; save the file as UTF-8", p.path, p.line, p.lineLen+1)
}

func (p *precheck) longLine() error {
	return fmt.Errorf("import %s: line %d is longer than %s, the longest line riskon reads (a bar is one short line); is this a CSV file of bars?",
		p.path, p.line, input.Size(input.MaxLineBytes))
}

// checkFile runs the precheck over a file, stopping when ctx is cancelled.
func checkFile(ctx context.Context, path, name string) (*precheck, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	p := newPrecheck(name)
	r := input.Reader(ctx, fh)
	buf := make([]byte, 1<<16)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if err := p.write(buf[:n]); err != nil {
				return nil, err
			}
		}
		if errors.Is(err, io.EOF) {
			return p, p.done()
		}
		if err != nil {
			return nil, err
		}
	}
}

// openCSV makes a CSV file ready for DuckDB: a stream (named pipe, process
// substitution) is read once into a temporary file, checked as it is
// copied; a regular file is checked in place. It returns the path DuckDB
// should read and the precheck's counts.
func (im *importer) openCSV(ctx context.Context, path string) (string, *precheck, error) {
	regular, err := input.Regular(path)
	if err != nil {
		return "", nil, fmt.Errorf("import %s: %w", path, err)
	}
	if regular {
		local, _, err := input.Spool(ctx, path, "", input.CSV, nil) // size check only
		if err != nil {
			return "", nil, fmt.Errorf("import: %w", err)
		}
		p, err := checkFile(ctx, local, path)
		if err != nil {
			return "", nil, checkErr(path, err)
		}
		return local, p, nil
	}
	p := newPrecheck(path)
	dir := im.s.tempDir
	local, cleanup, err := input.Spool(ctx, path, dir, input.CSV, p.write)
	if err != nil {
		return "", nil, checkErr(path, err)
	}
	im.cleanups = append(im.cleanups, cleanup)
	if err := p.done(); err != nil {
		return "", nil, err
	}
	return local, p, nil
}

func checkErr(path string, err error) error {
	var tl *input.TooLargeError
	switch {
	case errors.As(err, &tl):
		return fmt.Errorf("import: %w", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("import %s: interrupted while reading the file, nothing was written; run the same import again (%w)", path, err)
	}
	return err
}
