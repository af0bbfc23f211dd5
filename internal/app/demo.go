package app

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	slokeeper "github.com/slokeeper/slokeeper"
	"github.com/slokeeper/slokeeper/internal/demo"
	"github.com/slokeeper/slokeeper/internal/leftover"
	pstorage "github.com/slokeeper/slokeeper/internal/storage"
)

// demoRun is the demo's traffic generator and where it appends.
type demoRun struct {
	gen    *demo.Generator
	target swappable
}

// swappable is an AppendableV2 whose target changes: the demo writes its history into a block writer before
// the TSDB opens (days of samples appended to the head at once, then out-of-order backfill, are what the TSDB
// handles worst), then its live samples into the TSDB.
type swappable struct {
	to atomic.Pointer[storage.AppendableV2]
}

func (s *swappable) set(a storage.AppendableV2) { s.to.Store(&a) }

func (s *swappable) AppenderV2(ctx context.Context) storage.AppenderV2 {
	return (*s.to.Load()).AppenderV2(ctx)
}

// demoPrefix starts the names of the demo's temporary directories, followed by the pid (leftover.Tag).
const demoPrefix = "slokeeper-demo-"

// demoDir creates the demo's temporary directory, after removing those that demos killed or crashed left.
func demoDir() (string, error) {
	leftover.Clean(filepath.Join(os.TempDir(), demoPrefix+"*"), demoPrefix)
	return os.MkdirTemp("", leftover.Tag(demoPrefix))
}

// setUpDemo writes the embedded example specs to a temporary directory and points the specs (and, unless
// --storage.path is given, the storage) there.
func (a *App) setUpDemo() error {
	dir, err := demoDir()
	if err != nil {
		return fmt.Errorf("couldn't create the demo directory: %w", err)
	}
	a.tempDir = dir
	specDir := filepath.Join(dir, "specs")
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		return err
	}
	files, err := fs.Glob(slokeeper.Examples, "examples/*.yaml")
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := slokeeper.Examples.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(specDir, filepath.Base(f)), data, 0o644); err != nil {
			return fmt.Errorf("couldn't write the demo specs: %w", err)
		}
	}
	a.opts.SpecFiles = append(a.opts.SpecFiles, filepath.Join(specDir, "*.yaml"))
	if a.opts.StoragePath == "" {
		a.opts.StoragePath = filepath.Join(dir, "data")
	}
	a.demo = &demoRun{}
	a.demo.gen = demo.New(demo.Options{
		Appendable: &a.demo.target,
		Seed:       a.opts.DemoSeed,
		Logger:     a.logger.With("component", "demo"),
	})
	return nil
}

// writeDemoHistory writes the demo's days of history as a TSDB block into dir, unless dir already holds data
// (a demo restarted on the same --storage.path goes on from there).
func (a *App) writeDemoHistory(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		a.logger.Info("Demo storage already holds data, not writing history again", "path", dir)
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("couldn't create --storage.path=%q: %w", dir, err)
	}
	began := time.Now()
	w, err := tsdb.NewBlockWriter(a.logger, dir, tsdb.DefaultBlockDuration)
	if err != nil {
		return fmt.Errorf("couldn't write the demo history: %w", err)
	}
	defer w.Close()
	a.demo.target.set(w)
	if err := a.demo.gen.WriteHistory(context.Background()); err != nil {
		return err
	}
	if _, err := w.Flush(context.Background()); err != nil {
		return fmt.Errorf("couldn't write the demo history: %w", err)
	}
	a.logger.Info("Demo history written", "took", time.Since(began))
	return nil
}

func (a *App) startDemoLive(st *pstorage.Storage) { a.demo.target.set(st.Appendable()) }

func (d *demoRun) run(ctx context.Context) { _ = d.gen.Run(ctx) }
