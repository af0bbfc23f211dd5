package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	slokeeper "github.com/slokeeper/slokeeper"
)

// FixtureOptions configures WriteFixture.
type FixtureOptions struct {
	// SpecDir receives the example specs. Required.
	SpecDir string
	// DataDir receives the history, as a TSDB block for a TSDB to open there. Required. When it already holds
	// data, no history is written: a demo restarted on the same storage goes on from there.
	DataDir string
	// Traffic configures the generator (History, Resolution, Incident, Seed, Now, Logger). Its Appendable
	// must be nil: the fixture's generator appends to the block, then to what Fixture.Run is given.
	Traffic Options
}

// Fixture is the demo written to disk: the example specs and their history, and the generator that goes on
// from there.
type Fixture struct {
	// SpecFiles are the example specs written, one file per service.
	SpecFiles []string
	// DataDir is FixtureOptions.DataDir; Wrote says whether the history was written there.
	DataDir string
	Wrote   bool

	gen    *Generator
	target swappable
}

// WriteFixture writes the demo: the example specs (examples/*.yaml, embedded in the binary) into SpecDir,
// and Traffic.History of their series, ending at Traffic.Now, into DataDir as one TSDB block. A block written
// before the TSDB opens is what suits a TSDB: days of samples appended to its head at once, then out-of-order
// backfill, are what it handles worst. `slokeeper run --demo` opens its storage on DataDir and runs the
// fixture's live traffic into it; `slokeeper review --demo` reads DataDir.
func WriteFixture(ctx context.Context, o FixtureOptions) (*Fixture, error) {
	if o.SpecDir == "" || o.DataDir == "" {
		return nil, errors.New("the demo fixture needs a directory for its specs and one for its data")
	}
	if o.Traffic.Appendable != nil {
		return nil, errors.New("the demo fixture appends its traffic itself: leave Traffic.Appendable nil")
	}
	if o.Traffic.Logger == nil {
		o.Traffic.Logger = promslog.NewNopLogger()
	}
	f := &Fixture{DataDir: o.DataDir}
	o.Traffic.Appendable = &f.target
	f.gen = New(o.Traffic)
	var err error
	if f.SpecFiles, err = writeExamples(o.SpecDir); err != nil {
		return nil, fmt.Errorf("couldn't write the demo specs: %w", err)
	}
	if entries, err := os.ReadDir(o.DataDir); err == nil && len(entries) > 0 {
		o.Traffic.Logger.Info("Demo storage already holds data, not writing history again", "path", o.DataDir)
		return f, nil
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("couldn't create the demo's storage %q: %w", o.DataDir, err)
	}
	if err := f.writeBlock(ctx, o.Traffic.Logger); err != nil {
		return nil, fmt.Errorf("couldn't write the demo history: %w", err)
	}
	f.Wrote = true
	return f, nil
}

// Run appends the live traffic into a (the TSDB opened on DataDir) until ctx is done, as Generator.Run.
func (f *Fixture) Run(ctx context.Context, a storage.AppendableV2) error {
	f.target.set(a)
	return f.gen.Run(ctx)
}

// writeExamples writes the embedded example specs into dir.
func writeExamples(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	examples, err := fs.Glob(slokeeper.Examples, "examples/*.yaml")
	if err != nil {
		return nil, err
	}
	files := make([]string, 0, len(examples))
	for _, e := range examples {
		data, err := slokeeper.Examples.ReadFile(e)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, filepath.Base(e))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return files, nil
}

// writeBlock writes the generator's history into a TSDB block in DataDir.
func (f *Fixture) writeBlock(ctx context.Context, logger *slog.Logger) (err error) {
	w, err := tsdb.NewBlockWriter(logger, f.DataDir, tsdb.DefaultBlockDuration)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	f.target.set(w)
	if err := f.gen.WriteHistory(ctx); err != nil {
		return err
	}
	_, err = w.Flush(ctx)
	return err
}

// swappable is an AppendableV2 whose target changes: the block writer of the history, then the live storage.
type swappable struct {
	to atomic.Pointer[storage.AppendableV2]
}

func (s *swappable) set(a storage.AppendableV2) { s.to.Store(&a) }

func (s *swappable) AppenderV2(ctx context.Context) storage.AppenderV2 {
	return (*s.to.Load()).AppenderV2(ctx)
}
