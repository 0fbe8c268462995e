package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/riskon/riskon/data"
	"github.com/riskon/riskon/data/format"

	"github.com/riskon/riskon/internal/input"
)

// Catalog lists symbols and the files they are built from. It is YAML with
// lists of objects (never maps keyed by symbol: viper and some YAML tools
// change key case):
//
//	root: ../../../shared/data/raw   # relative to the catalog file
//	symbols:
//	  - symbol: BTC
//	    calendar: 24x7
//	    sources:                     # priority order
//	      - {path: mathaszip_BTCprice/BTCUSD_1d_candles_full.csv, format: auto}
//	      - {path: yanniedog_binance/BTCUSDT_1d.csv}
type Catalog struct {
	Root    string          `yaml:"root"`
	Symbols []CatalogSymbol `yaml:"symbols"`
}

// CatalogSymbol is one symbol of a catalog.
type CatalogSymbol struct {
	Symbol   string          `yaml:"symbol"`
	Calendar string          `yaml:"calendar"`
	Note     string          `yaml:"note"`
	Sources  []CatalogSource `yaml:"sources"`
}

// CatalogSource is one file of a symbol. Sources are spliced in order: the
// first source gives all its bars, each later one only the bars dated after
// the last bar of the sources before it.
type CatalogSource struct {
	Path   string `yaml:"path"`
	Format string `yaml:"format"`
	Note   string `yaml:"note"`
	// Column mapping, as the --date-col ... --time flags.
	DateCol   string `yaml:"date_col"`
	OpenCol   string `yaml:"open_col"`
	HighCol   string `yaml:"high_col"`
	LowCol    string `yaml:"low_col"`
	CloseCol  string `yaml:"close_col"`
	VolumeCol string `yaml:"volume_col"`
	Time      string `yaml:"time"`
}

func (c CatalogSource) mapping() format.Mapping {
	return format.Mapping{Date: c.DateCol, Open: c.OpenCol, High: c.HighCol, Low: c.LowCol, Close: c.CloseCol, Volume: c.VolumeCol, Time: c.Time}
}

// CatalogOptions configure ImportCatalog.
type CatalogOptions struct {
	// Root overrides the catalog's root directory (relative to the current
	// directory when relative), e.g. quickstart's --data DIR.
	Root string
	// Only restricts the import to these symbols.
	Only []string
	// Strict turns warnings into errors.
	Strict bool
	// Replace overwrites stored bars that differ.
	Replace bool
	// AllowOutside accepts source paths that leave the root directory.
	AllowOutside bool
	// Log, when set, receives progress (one line per symbol read, then the
	// validation and insert); nil logs nothing.
	Log *slog.Logger
}

// ReadCatalog parses a catalog file strictly (unknown keys are errors). Its
// errors are bad input (errors.Is input.ErrBad); its size is bounded by
// input.Catalog.
func ReadCatalog(path string) (*Catalog, error) {
	c, err := readCatalog(path)
	return c, input.Bad(err)
}

func readCatalog(path string) (*Catalog, error) {
	b, err := input.ReadFile(context.Background(), path, input.Catalog)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("catalog %s: empty file", path)
		}
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	seen := map[string]bool{}
	for i, s := range c.Symbols {
		if err := CheckSymbol(s.Symbol); err != nil {
			return nil, fmt.Errorf("catalog %s: symbols[%d]: %w", path, i, err)
		}
		if seen[s.Symbol] {
			return nil, fmt.Errorf("catalog %s: symbol %s is listed twice", path, s.Symbol)
		}
		seen[s.Symbol] = true
		if len(s.Sources) == 0 {
			return nil, fmt.Errorf("catalog %s: symbol %s has no sources", path, s.Symbol)
		}
		for j, src := range s.Sources {
			if strings.TrimSpace(src.Path) == "" {
				return nil, fmt.Errorf("catalog %s: symbol %s: sources[%d] has no path", path, s.Symbol, j)
			}
		}
	}
	if len(c.Symbols) == 0 {
		return nil, fmt.Errorf("catalog %s: no symbols", path)
	}
	return &c, nil
}

// resolveSource joins a source path to root and refuses paths that leave it:
// "..", absolute paths elsewhere, and symbolic links (of the file or of a
// directory on the way) that point outside the root.
func resolveSource(root, p string, allowOutside bool) (string, error) {
	full := p
	if !filepath.IsAbs(p) {
		full = filepath.Join(root, p)
	}
	full = filepath.Clean(full)
	if allowOutside {
		return full, nil
	}
	outside := func(root, full string) bool {
		rel, err := filepath.Rel(root, full)
		return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel)
	}
	if outside(root, full) {
		return "", fmt.Errorf("source %q is outside the catalog root %s (allow it explicitly if intended)", p, root)
	}
	// Symbolic links: compare the real locations. A file that does not exist
	// is left to the reader, which names it.
	realRoot, err1 := filepath.EvalSymlinks(root)
	realFull, err2 := filepath.EvalSymlinks(full)
	if err1 == nil && err2 == nil && outside(realRoot, realFull) {
		return "", fmt.Errorf("source %q is a symbolic link to %s, outside the catalog root %s (allow it explicitly if intended)", p, realFull, root)
	}
	return full, nil
}

// ImportCatalog builds every symbol of the catalog (or opts.Only) by splicing
// its sources, and writes them all in one transaction: one bad file refuses
// the whole run and leaves the database as it was.
func (s *Store) ImportCatalog(ctx context.Context, catalogPath string, opts CatalogOptions) ([]ImportReport, error) {
	if err := s.writable("import catalog"); err != nil {
		return nil, err
	}
	cat, err := ReadCatalog(catalogPath)
	if err != nil {
		return nil, err
	}
	root := opts.Root
	if root == "" {
		root = cat.Root
		if !filepath.IsAbs(root) {
			root = filepath.Join(filepath.Dir(catalogPath), root)
		}
	}
	root = filepath.Clean(root)
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("catalog %s: data root %s is not a directory (pass --data DIR to point at the raw data)", catalogPath, root)
	}
	want := map[string]bool{}
	for _, o := range opts.Only {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		found := false
		for _, cs := range cat.Symbols {
			if strings.EqualFold(cs.Symbol, o) {
				want[cs.Symbol] = true
				found = true
			}
		}
		if !found {
			var have []string
			for _, cs := range cat.Symbols {
				have = append(have, cs.Symbol)
			}
			return nil, fmt.Errorf("catalog %s has no symbol %q (have: %s)", catalogPath, o, strings.Join(have, ", "))
		}
	}

	// Resolve every source first (paths and calendars), then stage.
	type source struct {
		full string
		src  CatalogSource
	}
	type plan struct {
		cs      CatalogSymbol
		cal     data.Calendar
		sources []source
	}
	var plans []plan
	var paths []string
	for _, cs := range cat.Symbols {
		if len(want) > 0 && !want[cs.Symbol] {
			continue
		}
		cal, err := parseCalendar(cs.Calendar)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: symbol %s: %w", catalogPath, cs.Symbol, err)
		}
		pl := plan{cs: cs, cal: cal}
		for _, src := range cs.Sources {
			full, err := resolveSource(root, src.Path, opts.AllowOutside)
			if err != nil {
				return nil, fmt.Errorf("catalog %s: symbol %s: %w", catalogPath, cs.Symbol, err)
			}
			pl.sources = append(pl.sources, source{full, src})
			paths = append(paths, full)
		}
		plans = append(plans, pl)
	}

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import catalog: %w", err)
	}
	defer conn.Close()
	im, err := s.newImporter(ctx, conn, inputSize(paths))
	if err != nil {
		return nil, err
	}
	defer im.close()
	im.splice = true
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for i, pl := range plans {
		log.Info("reading catalog symbol", "symbol", pl.cs.Symbol, "sources", len(pl.sources), "n", i+1, "of", len(plans))
		im.symbol(pl.cs.Symbol, pl.cal, opts.Replace)
		var cutoff *int64
		for _, src := range pl.sources {
			f, err := im.readCSV(ctx, src.full, src.src.Format, src.src.mapping(), symbolSpec{fixed: pl.cs.Symbol}, false)
			if err != nil {
				return nil, fmt.Errorf("catalog symbol %s: %w", pl.cs.Symbol, err)
			}
			f.source = filepath.ToSlash(filepath.Clean(src.src.Path))
			// Splicing: a later source gives only the bars after the last
			// date of the sources before it.
			if cutoff != nil {
				c := *cutoff
				f.cutoff = &c
			}
			for _, st := range f.stats {
				if cutoff == nil || st.last > *cutoff {
					last := st.last
					cutoff = &last
				}
			}
		}
	}
	log.Info("validating and storing the catalog", "symbols", len(plans))
	if err := im.run(ctx, opts.Strict); err != nil {
		return nil, err
	}
	return im.reports(), nil
}
