package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Part keeps the trials of one shard of a sweep (or of a whole sweep run
// beside its database) as Parquet files written from Go, without a
// database: a shard holds only its data set and the trials not committed
// yet, so its memory does not grow with its number of trials.
//
// While it runs, the part is a folder DIR/PartName.partial/ holding
// sweep.parquet (the sweep row, written by Create) and the committed chunks
// trials-NNNNNN.parquet, each written under a temporary name and renamed, so
// a chunk is complete or absent: a shard killed or interrupted resumes from
// its chunks (--resume) and runs only the trials they miss. Finish writes
// the part files the merge reads, DIR/PartName.trials.parquet (every chunk,
// in commit order, each sorted by trial index) then DIR/PartName.sweep.parquet
// (the sweep row with shard_index and shard_count; its rename completes the
// part), and removes the folder. The columns and their types are those of
// sweep_trials and sweeps as DuckDB's read_parquet sees them (INTEGER,
// DOUBLE, VARCHAR, JSON, UBIGINT, BLOB, TIMESTAMP WITH TIME ZONE, DATE), so
// ImportParts stores exactly what the database writer would have.
//
// A Part is used by one process at a time; it is not safe for concurrent
// use.
type Part struct {
	id           string
	index, count int
	stem         string
}

// NewPart returns the part of shard index of count of the sweep id in dir.
func NewPart(dir, id string, index, count int) *Part {
	return &Part{id: id, index: index, count: count, stem: filepath.Join(dir, PartName(id, index, count))}
}

// Files are the part files Finish writes: the trials and the sweep row.
func (p *Part) Files() []string {
	return []string{p.stem + ".trials.parquet", p.stem + ".sweep.parquet"}
}

// partialDir is the folder of a part not finished yet.
func (p *Part) partialDir() string { return p.stem + partialSuffix }

const partialSuffix = ".partial"

// complete reports whether Finish has completed the part.
func (p *Part) complete() bool {
	_, err := os.Stat(p.Files()[1])
	return err == nil
}

// chunks lists the committed trial chunks of the partial folder, in commit
// order.
func (p *Part) chunks() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(p.partialDir(), "trials-*.parquet"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files) // zero-padded numbers
	return files, nil
}

func (p *Part) check(id string) error {
	if id != p.id {
		return fmt.Errorf("sweep part %s holds sweep %s, not %s", p.stem, p.id, id)
	}
	return nil
}

// Get returns the sweep row of the part; the error Is ErrNotFound when the
// part has none (not started, or deleted).
func (p *Part) Get(ctx context.Context, id string) (*SweepRecord, error) {
	if err := p.check(id); err != nil {
		return nil, err
	}
	file := filepath.Join(p.partialDir(), "sweep.parquet")
	if p.complete() {
		file = p.Files()[1]
	}
	var row, got partSweepRow
	n, err := readParquet(ctx, file, &row, func() error { got = row; return nil })
	if errors.Is(err, os.ErrNotExist) {
		return nil, &lookupError{fmt.Sprintf("no sweep %q in %s", id, filepath.Dir(p.stem)), ErrNotFound}
	}
	if err == nil && n != 1 {
		err = fmt.Errorf("%d sweep rows, want 1", n)
	}
	if err == nil && got.SweepID != id {
		err = fmt.Errorf("the file holds sweep %s, not %s", got.SweepID, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read sweep part %s: %w (delete it, or run the shard with --replace)", file, err)
	}
	rec := got.record()
	return &rec, nil
}

// Create starts the part: it writes the sweep row into the partial folder.
// ErrSweepExists when the part has one already.
func (p *Part) Create(ctx context.Context, rec SweepRecord) error {
	if err := p.check(rec.SweepID); err != nil {
		return err
	}
	if !json.Valid(rec.Spec) || !json.Valid(rec.BaseConfig) {
		return fmt.Errorf("create sweep %q: needs JSON spec and base config", rec.SweepID)
	}
	if _, err := p.Get(ctx, rec.SweepID); err == nil {
		return fmt.Errorf("create sweep %s: %w", rec.SweepID, ErrSweepExists)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := os.MkdirAll(p.partialDir(), 0o755); err != nil {
		return fmt.Errorf("create sweep %s: %w", rec.SweepID, err)
	}
	if err := p.writeSweepRow(filepath.Join(p.partialDir(), "sweep.parquet"), rec); err != nil {
		return fmt.Errorf("create sweep %s: %w", rec.SweepID, err)
	}
	return nil
}

func (p *Part) writeSweepRow(file string, rec SweepRecord) error {
	row := partSweepRowOf(rec, p.index, p.count)
	return writeParquet(file, partSweepSchema, func(w *parquet.GenericWriter[any]) error {
		_, err := w.Write([]any{&row})
		return err
	})
}

// Delete removes the part: its part files and its partial folder.
func (p *Part) Delete(ctx context.Context, id string) error {
	if err := p.check(id); err != nil {
		return err
	}
	var errs []error
	for _, f := range p.Files() {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(p.partialDir()); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete sweep part %s: %w", p.stem, err)
	}
	return nil
}

// committed lists the files holding the part's committed trials: the
// trials file of a complete part, else the chunks.
func (p *Part) committed() ([]string, error) {
	if p.complete() {
		return p.Files()[:1], nil
	}
	return p.chunks()
}

// Trials calls f with every committed trial of the part, in the order of the
// files (not sorted by index).
func (p *Part) Trials(ctx context.Context, id string, f func(*TrialRow) error) error {
	if err := p.check(id); err != nil {
		return err
	}
	files, err := p.committed()
	if err != nil {
		return fmt.Errorf("read trials of %s: %w", id, err)
	}
	row := reflect.New(partTrialType)
	for _, file := range files {
		if _, err := readParquet(ctx, file, row.Interface(), func() error {
			r, err := trialFromPart(row.Elem())
			if err != nil {
				return err
			}
			return f(r)
		}); err != nil {
			return fmt.Errorf("read trials of %s from %s: %w", id, file, err)
		}
	}
	return nil
}

// Done returns the committed trials of the part: trial index -> trial hash.
func (p *Part) Done(ctx context.Context, id string) (map[int]string, error) {
	out := map[int]string{}
	err := p.Trials(ctx, id, func(r *TrialRow) error {
		out[r.Index] = r.Hash
		return nil
	})
	return out, err
}

// Committed is the number of committed trials of the part, from the files'
// metadata (without reading the rows).
func (p *Part) Committed() (int, error) {
	files, err := p.committed()
	if err != nil {
		return 0, fmt.Errorf("count trials of %s: %w", p.id, err)
	}
	n := 0
	for _, file := range files {
		k, err := func() (int64, error) {
			f, err := os.Open(file)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return 0, err
			}
			pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
			if err != nil {
				return 0, err
			}
			return pf.NumRows(), nil
		}()
		if err != nil {
			return 0, fmt.Errorf("count trials of %s in %s: %w", p.id, file, err)
		}
		n += int(k)
	}
	return n, nil
}

// Finish writes the part files from the committed chunks (a complete part
// is left as it is) and removes the partial folder; it returns the files.
func (p *Part) Finish(ctx context.Context) ([]string, error) {
	files := p.Files()
	if p.complete() {
		_ = os.RemoveAll(p.partialDir()) // a Finish killed after its last rename
		return files, nil
	}
	rec, err := p.Get(ctx, p.id)
	if err != nil {
		return nil, err
	}
	chunks, err := p.chunks()
	if err != nil {
		return nil, fmt.Errorf("finish sweep part %s: %w", p.stem, err)
	}
	if err := writeParquet(files[0], partTrialSchema, func(w *parquet.GenericWriter[any]) error {
		for _, c := range chunks {
			if err := copyRowGroups(ctx, w, c); err != nil {
				return fmt.Errorf("read %s: %w", c, err)
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("finish sweep part %s: %w", p.stem, err)
	}
	if err := p.writeSweepRow(files[1], *rec); err != nil {
		return nil, fmt.Errorf("finish sweep part %s: %w", p.stem, err)
	}
	if err := os.RemoveAll(p.partialDir()); err != nil {
		return nil, fmt.Errorf("finish sweep part %s: %w", p.stem, err)
	}
	return files, nil
}

// PartWriterOptions set how often a PartWriter commits a chunk.
type PartWriterOptions struct {
	// ChunkRows commits after this many rows (default 4096; the writer
	// holds them until then).
	ChunkRows int
	// Interval commits when the last commit is older than this: it starts
	// at Interval (default 200ms) and doubles after each commit up to
	// MaxInterval (default 10s), so a short run commits early and a long
	// one writes few files. A killed process loses at most the trials
	// finished since the last commit, which --resume runs again.
	Interval, MaxInterval time.Duration
}

// PartWriter streams trial rows into the chunks of a Part. It is not safe
// for concurrent use.
type PartWriter struct {
	p        *Part
	opts     PartWriterOptions
	interval time.Duration
	buf      []*TrialRow
	last     time.Time
	next     int // number of the next chunk
	written  int
	closed   bool
	firstErr error
}

// NewWriter returns a writer for the trials of the part's sweep, which
// Create must have started.
func (p *Part) NewWriter(ctx context.Context, id string, opts PartWriterOptions) (*PartWriter, error) {
	if err := p.check(id); err != nil {
		return nil, err
	}
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = 4096
	}
	if opts.Interval <= 0 {
		opts.Interval = 200 * time.Millisecond
	}
	if opts.MaxInterval < opts.Interval {
		opts.MaxInterval = max(opts.Interval, 10*time.Second)
	}
	if p.complete() {
		// Finished already: nothing may be added (Add refuses).
		return &PartWriter{p: p, opts: opts, interval: opts.Interval, last: time.Now(),
			firstErr: fmt.Errorf("write trials of %s: the part %s is complete", id, p.stem)}, nil
	}
	if _, err := os.Stat(filepath.Join(p.partialDir(), "sweep.parquet")); err != nil {
		return nil, fmt.Errorf("write trials of %s: the part is not started (%w)", id, err)
	}
	// Chunks left half-written by a killed process.
	tmps, _ := filepath.Glob(filepath.Join(p.partialDir(), "*.tmp"))
	for _, t := range tmps {
		_ = os.Remove(t)
	}
	chunks, err := p.chunks()
	if err != nil {
		return nil, fmt.Errorf("write trials of %s: %w", id, err)
	}
	next := 1
	if len(chunks) > 0 {
		last := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(chunks[len(chunks)-1]), "trials-"), ".parquet")
		if _, err := fmt.Sscanf(last, "%d", &next); err != nil {
			return nil, fmt.Errorf("write trials of %s: chunk %s: %w", id, chunks[len(chunks)-1], err)
		}
		next++
	}
	return &PartWriter{p: p, opts: opts, interval: opts.Interval, last: time.Now(), next: next}, nil
}

// Add queues a row and commits a chunk when it is full or old enough.
func (w *PartWriter) Add(ctx context.Context, r *TrialRow) error {
	if w.closed {
		return errors.New("write trial: writer closed")
	}
	if w.firstErr != nil {
		return w.firstErr
	}
	if !json.Valid(r.Params) {
		return fmt.Errorf("write trial of %s: trial %d: params are not JSON", w.p.id, r.Index)
	}
	w.buf = append(w.buf, r)
	if len(w.buf) >= w.opts.ChunkRows || time.Since(w.last) >= w.interval {
		return w.Flush(ctx)
	}
	return nil
}

// Written is the number of rows committed so far.
func (w *PartWriter) Written() int { return w.written }

// Flush commits the queued rows as one chunk, sorted by trial index.
func (w *PartWriter) Flush(ctx context.Context) error {
	w.last = time.Now()
	if len(w.buf) == 0 {
		return nil
	}
	slices.SortFunc(w.buf, func(a, b *TrialRow) int { return cmp.Compare(a.Index, b.Index) })
	file := filepath.Join(w.p.partialDir(), fmt.Sprintf("trials-%06d.parquet", w.next))
	row := reflect.New(partTrialType)
	err := writeParquet(file, partTrialSchema, func(pw *parquet.GenericWriter[any]) error {
		one := make([]any, 1)
		for _, r := range w.buf {
			if err := trialToPart(r, w.p.id, row.Elem()); err != nil {
				return err
			}
			one[0] = row.Interface()
			if _, err := pw.Write(one); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.firstErr = fmt.Errorf("write %d trials of %s: %w", len(w.buf), w.p.id, err)
		return w.firstErr
	}
	w.next++
	w.written += len(w.buf)
	clear(w.buf)
	w.buf = w.buf[:0]
	w.interval = min(2*w.interval, w.opts.MaxInterval)
	return nil
}

// Close commits the queued rows, even when ctx is already cancelled (a
// Ctrl-C must keep every finished trial).
func (w *PartWriter) Close(ctx context.Context) error {
	if w.closed {
		return nil
	}
	var err error
	if w.firstErr == nil || len(w.buf) > 0 {
		err = w.Flush(context.WithoutCancel(ctx))
	}
	w.closed = true
	return err
}

// partTrialType is the Go struct of one row of a trials part file: a field
// per column of trialColumns, in their order, typed so that DuckDB reads
// the column with its SQL type (a DOUBLE may be NULL).
var partTrialType = func() reflect.Type {
	fields := make([]reflect.StructField, len(trialColumns))
	for i, c := range trialColumns {
		var typ reflect.Type
		tag := c[0]
		switch c[1] {
		case "VARCHAR":
			typ = reflect.TypeFor[string]()
		case "JSON":
			typ, tag = reflect.TypeFor[partJSON](), tag+",json"
		case "INTEGER":
			typ = reflect.TypeFor[int32]()
		case "DOUBLE":
			typ, tag = reflect.TypeFor[*float64](), tag+",optional"
		case "BOOLEAN":
			typ = reflect.TypeFor[bool]()
		case "UBIGINT":
			typ = reflect.TypeFor[uint64]()
		case "BLOB":
			typ = reflect.TypeFor[[]byte]()
		default:
			panic("sweep part: no Parquet type for " + c[1]) // a programming error, caught by every test
		}
		fields[i] = reflect.StructField{Name: fmt.Sprintf("C%d", i), Type: typ, Tag: reflect.StructTag(`parquet:"` + tag + `"`)}
	}
	return reflect.StructOf(fields)
}()

// partJSON is a JSON document kept as its bytes (Parquet logical type JSON).
type partJSON = json.RawMessage

var (
	partTrialSchema = parquet.SchemaOf(reflect.New(partTrialType).Interface())
	partSweepSchema = parquet.SchemaOf(&partSweepRow{})
)

// trialToPart fills the part row dst from r (through the column values the
// database writer appends, so both writers store the same values).
func trialToPart(r *TrialRow, sweepID string, dst reflect.Value) error {
	vals, err := r.values(sweepID)
	if err != nil {
		return err
	}
	for i, v := range vals {
		f := dst.Field(i)
		switch x := v.(type) {
		case nil:
			f.SetZero() // a NULL DOUBLE
		case float64:
			p := new(float64)
			*p = x
			f.Set(reflect.ValueOf(p))
		case json.RawMessage:
			f.SetBytes(x)
		default:
			f.Set(reflect.ValueOf(x))
		}
	}
	return nil
}

// trialFromPart reads a part row back into a TrialRow (as scanTrial reads a
// database row).
func trialFromPart(src reflect.Value) (*TrialRow, error) {
	vals := make([]any, src.NumField()-1) // after sweep_id
	for i := range vals {
		f := src.Field(i + 1)
		switch {
		case f.Kind() == reflect.Pointer && f.IsNil():
			vals[i] = nil
		case f.Kind() == reflect.Pointer:
			vals[i] = f.Elem().Float()
		case f.Type() == reflect.TypeFor[partJSON]():
			vals[i] = string(f.Bytes())
		default:
			vals[i] = f.Interface()
		}
	}
	return scanTrial(func(dest ...any) error { return assignValues(dest, vals) })
}

// assignValues stores vals into dest, the pointers scanTrial scans into.
func assignValues(dest []any, vals []any) error {
	if len(dest) != len(vals) {
		return fmt.Errorf("%d columns, want %d", len(vals), len(dest))
	}
	for i, d := range dest {
		v := vals[i]
		ok := true
		switch d := d.(type) {
		case *int:
			x, isInt := v.(int32)
			*d, ok = int(x), isInt
		case *string:
			*d, ok = v.(string)
		case *bool:
			*d, ok = v.(bool)
		case *uint64:
			*d, ok = v.(uint64)
		case *[]byte:
			*d, ok = v.([]byte)
		case *sql.NullFloat64:
			x, isFloat := v.(float64)
			*d, ok = sql.NullFloat64{Float64: x, Valid: isFloat}, isFloat || v == nil
		case *sql.NullInt64:
			x, isInt := v.(int32)
			*d, ok = sql.NullInt64{Int64: int64(x), Valid: isInt}, isInt || v == nil
		default:
			return fmt.Errorf("column %d: cannot read into %T", i, d)
		}
		if !ok {
			return fmt.Errorf("column %d: value %T, want %T", i, v, d)
		}
	}
	return nil
}

// partSweepRow is the one row of a part's sweep file: the columns of
// sweeps, then shard_index and shard_count.
type partSweepRow struct {
	SweepID         string    `parquet:"sweep_id"`
	Name            string    `parquet:"name"`
	CreatedAt       time.Time `parquet:"created_at,timestamp(microsecond)"`
	Version         string    `parquet:"version"`
	Spec            partJSON  `parquet:"spec,json"`
	BaseConfig      partJSON  `parquet:"base_config,json"`
	BaseHash        string    `parquet:"base_hash"`
	DataFingerprint string    `parquet:"data_fingerprint"`
	Synthetic       bool      `parquet:"synthetic"`
	Trials          int32     `parquet:"trials"`
	RankBy          string    `parquet:"rank_by"`
	PBOStart        int32     `parquet:"pbo_start,date"` // days since 1970-01-01
	PBOBlockDays    int32     `parquet:"pbo_block_days"`
	PBOBlocks       int32     `parquet:"pbo_blocks"`
	ShardIndex      int32     `parquet:"shard_index"`
	ShardCount      int32     `parquet:"shard_count"`
}

func partSweepRowOf(rec SweepRecord, index, count int) partSweepRow {
	return partSweepRow{SweepID: rec.SweepID, Name: rec.Name, CreatedAt: rec.CreatedAt.UTC().Truncate(time.Microsecond),
		Version: rec.Version, Spec: rec.Spec, BaseConfig: rec.BaseConfig, BaseHash: rec.BaseHash,
		DataFingerprint: rec.DataFingerprint, Synthetic: rec.Synthetic, Trials: int32(rec.Trials), RankBy: rec.RankBy,
		PBOStart: int32(rec.PBOStart.UTC().Unix() / 86400), PBOBlockDays: int32(rec.PBOBlockDays), PBOBlocks: int32(rec.PBOBlocks),
		ShardIndex: int32(index), ShardCount: int32(count)}
}

func (r *partSweepRow) record() SweepRecord {
	return SweepRecord{SweepID: r.SweepID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), Version: r.Version,
		Spec: slices.Clone(r.Spec), BaseConfig: slices.Clone(r.BaseConfig), BaseHash: r.BaseHash,
		DataFingerprint: r.DataFingerprint, Synthetic: r.Synthetic, Trials: int(r.Trials), RankBy: r.RankBy,
		PBOStart: time.Unix(int64(r.PBOStart)*86400, 0).UTC(), PBOBlockDays: int(r.PBOBlockDays), PBOBlocks: int(r.PBOBlocks)}
}

// writeParquet writes a Parquet file of schema (Snappy, row groups of
// partRowGroup rows, as DuckDB's export of a part) through fill, under a
// temporary name synced and renamed into place: the file is complete or
// absent.
func writeParquet(file string, schema *parquet.Schema, fill func(*parquet.GenericWriter[any]) error) (err error) {
	tmp := file + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", file, err)
		}
	}()
	w := parquet.NewGenericWriter[any](f, schema, parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(partRowGroup))
	if err := fill(w); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// copyRowGroups appends the row groups of file to w, their compressed
// pages copied as they are (the chunks have the part's schema and options).
func copyRowGroups(ctx context.Context, w *parquet.GenericWriter[any], file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return err
	}
	for _, rg := range pf.RowGroups() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := w.WriteRowGroup(rg); err != nil {
			return err
		}
	}
	return nil
}

// readParquet reads every row of file into row (a pointer to a struct of
// the file's schema), calling each after each row; it returns the number of
// rows. It stops when ctx is cancelled.
func readParquet(ctx context.Context, file string, row any, each func() error) (int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := parquet.NewReader(f)
	defer r.Close()
	n := 0
	for {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		reflect.ValueOf(row).Elem().SetZero()
		if err := r.Read(row); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		n++
		if err := each(); err != nil {
			return n, err
		}
	}
}
