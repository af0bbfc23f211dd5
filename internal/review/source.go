package review

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/common/promslog"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	slokeeper "github.com/slokeeper/slokeeper"
	"github.com/slokeeper/slokeeper/internal/demo"
	pstorage "github.com/slokeeper/slokeeper/internal/storage"
)

// StorageOptions says where a review reads: what the daemon reads, from its configuration.
type StorageOptions struct {
	// TSDBPath is the daemon's storage.path. It is opened read only (the daemon may be running), and left
	// out when it does not exist.
	TSDBPath string
	// RemoteRead are the daemon's remote_read endpoints, ExternalLabels its global.external_labels.
	RemoteRead     []*promconfig.RemoteReadConfig
	ExternalLabels labels.Labels
	// Logger receives the storage's logs. Nil discards them.
	Logger *slog.Logger
}

// OpenStorage opens what o names and merges it, the TSDB first, like the daemon's storage. Remote reads go
// through pkg/storage's own clients, held by a scratch TSDB in a temporary directory that close removes.
func OpenStorage(o StorageOptions) (q storage.Queryable, closeAll func() error, err error) {
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	var (
		sources []storage.Queryable
		closers []func() error
	)
	closeAll = func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = closeAll()
		}
	}()
	if o.TSDBPath != "" {
		if _, statErr := os.Stat(o.TSDBPath); statErr == nil {
			db, err := OpenReadOnly(o.TSDBPath, o.Logger)
			if err != nil {
				return nil, nil, err
			}
			closers = append(closers, db.Close)
			sources = append(sources, db)
		} else {
			o.Logger.Info("No TSDB to read at storage.path, reading remote storage only", "path", o.TSDBPath)
		}
	}
	if len(o.RemoteRead) > 0 {
		dir, err := os.MkdirTemp("", "slokeeper-review-remote-")
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, func() error { return os.RemoveAll(dir) })
		st, err := pstorage.Open(pstorage.Options{Dir: dir, Logger: o.Logger})
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, st.Close)
		if err := st.ApplyRemoteRead(o.RemoteRead, o.ExternalLabels); err != nil {
			return nil, nil, fmt.Errorf("couldn't apply remote_read: %w", err)
		}
		sources = append(sources, st.Queryable())
	}
	if len(sources) == 0 {
		return nil, nil, fmt.Errorf("nothing to read: no TSDB at storage.path %q and no remote_read endpoints", o.TSDBPath)
	}
	if len(sources) == 1 {
		return sources[0], closeAll, nil
	}
	return storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		var qs []storage.Querier
		for _, s := range sources {
			q, err := s.Querier(mint, maxt)
			if err != nil {
				for _, q := range qs {
					_ = q.Close()
				}
				return nil, err
			}
			qs = append(qs, q)
		}
		return storage.NewMergeQuerier(qs[:1], qs[1:], storage.ChainedSeriesMerge), nil
	}), closeAll, nil
}

// DemoOptions configures WriteDemo.
type DemoOptions struct {
	// Dir receives the example specs (Dir/specs) and the history (Dir/data). Required.
	Dir string
	// History is how much history to write; Resolution the spacing of its samples.
	History, Resolution time.Duration
	// Now is the end of the history.
	Now    time.Time
	Logger *slog.Logger
}

// WriteDemo writes the demo's story (internal/demo: an over-achieving database, a payment API above its capacity
// at daily peaks, old incidents) as History of samples ending at Now into a TSDB block in Dir/data, and the
// example specs into Dir/specs. It returns the spec files and the TSDB directory.
func WriteDemo(ctx context.Context, o DemoOptions) (specFiles []string, tsdbDir string, err error) {
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	specDir, tsdbDir := filepath.Join(o.Dir, "specs"), filepath.Join(o.Dir, "data")
	for _, d := range []string{specDir, tsdbDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, "", err
		}
	}
	examples, err := fs.Glob(slokeeper.Examples, "examples/*.yaml")
	if err != nil {
		return nil, "", err
	}
	for _, f := range examples {
		data, err := slokeeper.Examples.ReadFile(f)
		if err != nil {
			return nil, "", err
		}
		p := filepath.Join(specDir, filepath.Base(f))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, "", err
		}
		specFiles = append(specFiles, p)
	}
	w, err := tsdb.NewBlockWriter(o.Logger, tsdbDir, tsdb.DefaultBlockDuration)
	if err != nil {
		return nil, "", err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	now := o.Now
	gen := demo.New(demo.Options{
		Appendable: w, History: o.History, Resolution: o.Resolution,
		Now: func() time.Time { return now }, Logger: o.Logger,
	})
	if err := gen.WriteHistory(ctx); err != nil {
		return nil, "", err
	}
	if _, err := w.Flush(ctx); err != nil {
		return nil, "", fmt.Errorf("couldn't write the demo history: %w", err)
	}
	return specFiles, tsdbDir, nil
}
