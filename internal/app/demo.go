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
	a.tempDir = dir
	a.opts.SpecFiles = append(a.opts.SpecFiles, filepath.Join(a.demoSpecDir(), "*.yaml"))
	if a.opts.StoragePath == "" {
		a.opts.StoragePath = filepath.Join(dir, "data")
	}
	return nil
}

func (a *App) demoSpecDir() string { return filepath.Join(a.tempDir, "specs") }

// writeDemo writes the demo fixture: the example specs, and days of history as a TSDB block into the storage
// directory dir unless it already holds data (a demo restarted on the same --storage.path goes on from there).
// Its live traffic runs into the storage from Run on.
func (a *App) writeDemo(dir string) error {
	f, err := demo.WriteFixture(context.Background(), demo.FixtureOptions{
		SpecDir: a.demoSpecDir(),
		DataDir: dir,
		Traffic: demo.Options{Seed: a.opts.DemoSeed, Logger: a.logger.With("component", "demo")},
	})
	if err != nil {
		return err
	}
	a.demo = f
	return nil
}
