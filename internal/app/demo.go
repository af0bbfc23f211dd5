package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/slokeeper/slokeeper/internal/demo"
	"github.com/slokeeper/slokeeper/internal/leftover"
)

// demoPrefix starts the names of the demo's temporary directories, followed by the pid (leftover.Tag).
const demoPrefix = "slokeeper-demo-"

// demoRun is the demo's part of a daemon: its temporary directory and its fixture, whose live traffic runs into
// the storage. Both are empty without --demo.
type demoRun struct {
	dir     string
	fixture *demo.Fixture
}

// remove removes the demo's temporary directory, if any.
func (d *demoRun) remove() {
	if d.dir != "" {
		_ = os.RemoveAll(d.dir)
	}
}

func (d *demoRun) specDir() string { return filepath.Join(d.dir, "specs") }

// demoDir creates the demo's temporary directory, after removing those that demos killed or crashed left.
func demoDir() (string, error) {
	leftover.Clean(filepath.Join(os.TempDir(), demoPrefix+"*"), demoPrefix)
	return os.MkdirTemp("", leftover.Tag(demoPrefix))
}

// setUpDemo creates the demo's temporary directory and points the specs (and, unless --storage.path is given,
// the storage) there; writeDemo writes them once the configuration is read.
func (a *App) setUpDemo() error {
	dir, err := demoDir()
	if err != nil {
		return fmt.Errorf("couldn't create the demo directory: %w", err)
	}
	a.demo.dir = dir
	a.opts.SpecFiles = append(a.opts.SpecFiles, filepath.Join(a.demo.specDir(), "*.yaml"))
	if a.opts.StoragePath == "" {
		a.opts.StoragePath = filepath.Join(dir, "data")
	}
	return nil
}

// writeDemo writes the demo fixture, with --demo: the example specs, and days of history as a TSDB block into the
// storage directory dir unless it already holds data (a demo restarted on the same --storage.path goes on from
// there). Its live traffic runs into the storage from Run on.
func (a *App) writeDemo(dir string) error {
	if !a.opts.Demo {
		return nil
	}
	f, err := demo.WriteFixture(context.Background(), demo.FixtureOptions{
		SpecDir: a.demo.specDir(),
		DataDir: dir,
		Traffic: demo.Options{Seed: a.opts.DemoSeed, Logger: a.logger.With("component", "demo")},
	})
	if err != nil {
		return err
	}
	a.demo.fixture = f
	return nil
}
