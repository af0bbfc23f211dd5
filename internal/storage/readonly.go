package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// ReadOnlyOptions says what OpenReadOnly reads: what the daemon reads, from its configuration.
type ReadOnlyOptions struct {
	// TSDBPath is the daemon's storage.path. It is opened read only (the daemon may be running), and left
	// out when it does not exist.
	TSDBPath string
	// RemoteRead are the daemon's remote_read endpoints, ExternalLabels its global.external_labels.
	RemoteRead     []*config.RemoteReadConfig
	ExternalLabels labels.Labels
	// Logger receives the TSDB's logs. Nil discards them.
	Logger *slog.Logger
}

// ReadOnly is the daemon's storage as another process reads it (slokeeper review): its TSDB opened read only
// and its remote_read endpoints, merged as the daemon's Queryable merges them (the TSDB first; a remote that
// fails only adds a warning). It creates no TSDB and no directory of its own.
type ReadOnly struct {
	tsdb   *ReadOnlyTSDB // nil without a TSDB
	remote *RemoteRead   // nil without remote_read
}

// OpenReadOnly opens what o names. At least one of them must be there.
func OpenReadOnly(o ReadOnlyOptions) (_ *ReadOnly, err error) {
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	r := &ReadOnly{}
	defer func() {
		if err != nil {
			_ = r.Close()
		}
	}()
	if o.TSDBPath != "" {
		if _, statErr := os.Stat(o.TSDBPath); statErr == nil {
			if r.tsdb, err = OpenReadOnlyTSDB(o.TSDBPath, o.Logger); err != nil {
				return nil, err
			}
		} else {
			o.Logger.Info("No TSDB to read at storage.path, reading remote storage only", "path", o.TSDBPath)
		}
	}
	if len(o.RemoteRead) > 0 {
		if r.remote, err = OpenRemoteRead(o.RemoteRead, o.ExternalLabels); err != nil {
			return nil, fmt.Errorf("couldn't apply remote_read: %w", err)
		}
	}
	if r.tsdb == nil && r.remote == nil {
		return nil, fmt.Errorf("nothing to read: no TSDB at storage.path %q and no remote_read endpoints", o.TSDBPath)
	}
	return r, nil
}

// Querier merges the TSDB's querier (primary) with the remote-read endpoints' (secondaries).
func (r *ReadOnly) Querier(mint, maxt int64) (storage.Querier, error) {
	var primary storage.Queryable
	if r.tsdb != nil {
		primary = r.tsdb
	}
	var secondaries []storage.Queryable
	if r.remote != nil {
		secondaries = queryables(r.remote.remotes)
	}
	return mergeQueriers(mint, maxt, primary, secondaries)
}

// Close closes the TSDB, removing its sandbox, and the remote-read connections.
func (r *ReadOnly) Close() error {
	var errs []error
	if r.remote != nil {
		errs = append(errs, r.remote.Close())
	}
	if r.tsdb != nil {
		errs = append(errs, r.tsdb.Close())
	}
	return errors.Join(errs...)
}

// ReadOnlyTSDB is a TSDB directory opened for reading only, such as the running daemon's storage.path: no
// lock, no compaction, no retention. Its blocks and write-ahead log are loaded once, by the first query, into
// memory and a sandbox directory: inside the TSDB directory, as `promtool tsdb` does (the head's chunk files are
// hard-linked there, which needs the same file system), or in the system's temporary directory when the TSDB
// directory is not writable. Close removes it.
type ReadOnlyTSDB struct {
	db  *tsdb.DBReadOnly
	dir string

	mtx sync.Mutex
	q   storage.Querier
	err error
}

// OpenReadOnlyTSDB opens the TSDB in dir for reading.
func OpenReadOnlyTSDB(dir string, logger *slog.Logger) (*ReadOnlyTSDB, error) {
	if logger == nil {
		logger = promslog.NewNopLogger()
	}
	db, err := tsdb.OpenDBReadOnly(dir, "", logger)
	if err != nil {
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, fmt.Errorf("couldn't open the TSDB in %s: %w", dir, err)
		}
		// Not writable: a sandbox elsewhere works as long as the head has no chunk files to link.
		if db, err = tsdb.OpenDBReadOnly(dir, os.TempDir(), logger); err != nil {
			return nil, fmt.Errorf("couldn't open the TSDB in %s: %w", dir, err)
		}
	}
	return &ReadOnlyTSDB{db: db, dir: dir}, nil
}

// Querier returns a querier over every sample. DBReadOnly replays its write-ahead log on every Querier call,
// so one querier over all time is made once and shared; the engine's hints restrict each Select to what the
// query reads. Queries must run one at a time (the review's do).
func (r *ReadOnlyTSDB) Querier(_, _ int64) (storage.Querier, error) {
	r.mtx.Lock()
	defer r.mtx.Unlock()
	if r.q == nil && r.err == nil {
		r.q, r.err = r.open()
	}
	if r.err != nil {
		return nil, r.err
	}
	return sharedQuerier{r.q}, nil
}

func (r *ReadOnlyTSDB) open() (storage.Querier, error) {
	maxt := int64(math.MaxInt64)
	if _, err := os.Stat(filepath.Join(r.dir, "wal")); err != nil {
		// Blocks alone (written by a block writer, or copied): a querier up to the last block's end does not
		// look for a write-ahead log.
		blocks, err := r.db.Blocks()
		if err != nil {
			return nil, err
		}
		maxt = math.MinInt64 + 1
		for _, b := range blocks {
			maxt = max(maxt, b.Meta().MaxTime-1)
		}
	}
	return r.db.Querier(math.MinInt64, maxt)
}

// Close closes the TSDB and removes its sandbox.
func (r *ReadOnlyTSDB) Close() error {
	var errs []error
	if r.q != nil {
		errs = append(errs, r.q.Close())
	}
	return errors.Join(append(errs, r.db.Close())...)
}

// sharedQuerier is a querier whose Close leaves the shared one open.
type sharedQuerier struct{ storage.Querier }

func (sharedQuerier) Close() error { return nil }

var (
	_ storage.Queryable = (*ReadOnlyTSDB)(nil)
	_ storage.Queryable = (*ReadOnly)(nil)
)
