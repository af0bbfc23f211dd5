// Package storage is where `slokeeper run` keeps and finds its samples.
//
// The daemon evaluates the same rules a user would load into Prometheus, so it needs what Prometheus has: a TSDB
// for the series it records (and for raw series pushed to it over remote write), plus the raw history that lives
// in an existing Prometheus, Mimir or Thanos, reached over remote read. This package owns that: an embedded TSDB,
// a remote-write receiver in front of it, remote-read clients configured from Prometheus' own `remote_read:` YAML,
// and one merged Queryable over all of them for the PromQL engine and the rules manager. Each remote-read endpoint
// is also at hand on its own (Remotes), with and without its external-label filter, so that internal/sliprobe can
// tell whether that filter is why a selector matches nothing.
//
// Commands that read what the daemon reads, while it runs or without it, open the same storage read only:
// OpenReadOnly (slokeeper review) reads the daemon's TSDB directory without locking or changing it, and its
// remote_read endpoints through OpenRemoteRead (also slokeeper check --config.file), which configures them by the
// daemon's own code path (newRemotes: external labels, required matchers, recent data) with no TSDB and no
// directory.
//
// Everything here is Prometheus' own code (tsdb, storage/remote) wired together; the package adds only the
// lifecycle, the defaults that suit SLO evaluation (a retention long enough for the longest SLO period, an
// out-of-order window for late remote-write batches) and safe swapping of remote-read configs on reload.
//
// It must not know the rules, the SLOs or the names of the series it holds (slo:*), beyond the matchers its
// callers hand it.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	remoteapi "github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/prometheus/prometheus/tsdb"
)

const (
	// DefaultRetention keeps a little more than a quarter, the longest usual SLO period (90d).
	DefaultRetention = 91 * 24 * time.Hour
	// DefaultOutOfOrderTimeWindow accepts remote-write batches that arrive up to an hour late.
	DefaultOutOfOrderTimeWindow = time.Hour
	// blockChunkSegmentSize is the largest chunk file of a block, which a compaction preallocates (see Open).
	blockChunkSegmentSize = 32 << 20
)

// Options configures Open. Zero values are replaced by the defaults documented on each field.
type Options struct {
	// Dir is the TSDB directory. Required.
	Dir string
	// Retention is how long samples are kept. It must be at least the longest SLO period, or budgets computed
	// over that period silently lose their oldest data; see CheckRetention. Default DefaultRetention.
	Retention time.Duration
	// OutOfOrderTimeWindow is how far behind the newest sample of a series a remote-write sample may be and
	// still be accepted. Default DefaultOutOfOrderTimeWindow.
	OutOfOrderTimeWindow time.Duration
	// Logger receives TSDB and remote storage logs. Default: a logger that discards everything.
	Logger *slog.Logger
	// Registerer receives TSDB, remote-write receiver and remote-read metrics. Nil registers no metrics.
	// (Prometheus' remote-read client registers its own per-client metrics in the default registry at package
	// init; that is outside this package's control.)
	Registerer prometheus.Registerer
}

// CheckRetention returns an error when the retention is shorter than longestPeriod, the longest SLO period the
// daemon evaluates.
func (o Options) CheckRetention(longestPeriod time.Duration) error {
	r := o.Retention
	if r == 0 {
		r = DefaultRetention
	}
	if r < longestPeriod {
		return fmt.Errorf("storage retention %s is shorter than the longest SLO period %s: raise the retention to at least %s",
			r, longestPeriod, longestPeriod)
	}
	return nil
}

// Storage is an embedded TSDB with a remote-write receiver and a set of remote-read endpoints.
type Storage struct {
	logger *slog.Logger
	reg    prometheus.Registerer
	db     *tsdb.DB
	write  http.Handler
	dialer *connTracker

	stopGate context.CancelFunc
	gateDone chan struct{}

	mtx     sync.RWMutex
	remotes []Remote
	rw      *remote.WriteStorage
	closed  bool
	opts    Options
}

// CheckRetention is Options.CheckRetention for the options the storage was opened with.
func (s *Storage) CheckRetention(longestPeriod time.Duration) error {
	return s.opts.CheckRetention(longestPeriod)
}

// Open opens (or creates) the TSDB in opts.Dir.
func Open(opts Options) (*Storage, error) {
	if opts.Dir == "" {
		return nil, errors.New("storage directory must be set")
	}
	if opts.Retention < 0 {
		return nil, fmt.Errorf("storage retention must not be negative, got %s", opts.Retention)
	}
	if opts.OutOfOrderTimeWindow < 0 {
		return nil, fmt.Errorf("storage out-of-order time window must not be negative, got %s", opts.OutOfOrderTimeWindow)
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.OutOfOrderTimeWindow == 0 {
		opts.OutOfOrderTimeWindow = DefaultOutOfOrderTimeWindow
	}
	if opts.Logger == nil {
		opts.Logger = promslog.NewNopLogger()
	}

	tsdbOpts := tsdb.DefaultOptions()
	tsdbOpts.RetentionDuration = opts.Retention.Milliseconds()
	tsdbOpts.OutOfOrderTimeWindow = opts.OutOfOrderTimeWindow.Milliseconds()
	// Prometheus' server default (--storage.tsdb.head-chunks-write-queue-size=0), not the library's queue: with
	// the queue, head truncation after a compaction can race with out-of-order chunks being m-mapped, which
	// backfill produces in bulk, and the chunk mapper panics ("expected newly cut file to have sequence").
	tsdbOpts.HeadChunksWriteQueueSize = 0
	// The head's series map is split into this many locked stripes. The library's 16,384 suits a Prometheus
	// with millions of series and costs about 6 MB up front; the daemon holds tens of thousands of recorded
	// series (and, in the embedded default, the SLI series written to it), for which 4,096 stripes keep lock
	// contention negligible at a quarter of the memory.
	tsdbOpts.StripeSize = 4096
	// A compaction preallocates a whole chunk segment file before it writes a block (512 MiB by default, for a
	// Prometheus' blocks of gigabytes). The daemon's blocks hold megabytes, so a compaction would need hundreds of
	// MB of free disk for nothing, and fail on a small volume; blocks larger than this take several files.
	tsdbOpts.MaxBlockChunkSegmentSize = blockChunkSegmentSize

	// Compactions start disabled and are enabled by gateCompactions (see compaction.go).
	opened := headChunkFiles(chunksHeadDir(opts.Dir))
	db, err := tsdb.Open(opts.Dir, opts.Logger.With("component", "tsdb"), opts.Registerer, tsdbOpts, tsdb.NewDBStats())
	if err != nil {
		return nil, fmt.Errorf("couldn't open storage (--storage.path=%q): %w", opts.Dir, err)
	}
	db.DisableCompactions()
	s := &Storage{
		logger: opts.Logger,
		reg:    opts.Registerer,
		db:     db,
		dialer: newConnTracker(),
		opts:   opts,
	}
	gateCtx, stopGate := context.WithCancel(context.Background())
	s.stopGate, s.gateDone = stopGate, make(chan struct{})
	go func() {
		defer close(s.gateDone)
		s.gateCompactions(gateCtx, chunksHeadDir(opts.Dir), opened, compactionGateInterval)
	}()
	s.write = remote.NewWriteHandler(opts.Logger.With("component", "remote_write_receiver"), opts.Registerer, db,
		remoteapi.MessageTypes{remoteapi.WriteV1MessageType, remoteapi.WriteV2MessageType}, false, false)
	return s, nil
}

// Close drops the remote-read endpoints, closes their connections and closes the TSDB. Queries still running
// against Queryable fail once the TSDB is closed.
func (s *Storage) Close() error {
	s.mtx.Lock()
	s.remotes = nil
	s.closed = true
	rw := s.rw
	s.mtx.Unlock()
	s.dialer.closeAll()
	s.stopGate()
	<-s.gateDone
	if rw != nil {
		// Flushes what is queued, within the flush deadline.
		if err := rw.Close(); err != nil {
			s.logger.Warn("Closing remote write failed", "err", err)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("couldn't close storage: %w", err)
	}
	return nil
}

// WriteHandler is a Prometheus remote-write receiver (protocol v1 and v2) that appends into the TSDB. Mount it on
// POST /api/v1/write.
func (s *Storage) WriteHandler() http.Handler { return s.write }

// Local is the TSDB alone, without remote-read endpoints: for serving remote read to others and for tests.
func (s *Storage) Local() storage.SampleAndChunkQueryable { return s.db }

// StartTime is the timestamp of the oldest sample in the TSDB.
func (s *Storage) StartTime() (int64, error) { return s.db.StartTime() }

// Queryable merges the TSDB (primary) with every remote-read endpoint (secondary) configured at the time a
// querier is created. Series present in several sources are deduplicated sample by sample. A failing remote
// does not fail a query: its error becomes a query warning, as in Prometheus.
func (s *Storage) Queryable() storage.Queryable { return mergedQueryable{s} }

type mergedQueryable struct{ s *Storage }

func (m mergedQueryable) Querier(mint, maxt int64) (storage.Querier, error) {
	m.s.mtx.RLock()
	remotes := m.s.remotes
	m.s.mtx.RUnlock()
	return mergeQueriers(mint, maxt, m.s.db, queryables(remotes))
}

var _ storage.AppendableV2 = (*tsdb.DB)(nil)
