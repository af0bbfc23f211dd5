package storage

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
)

// remoteWriteFlushDeadline is Prometheus' default --storage.remote.flush-deadline: how long Close waits for
// queued samples.
const remoteWriteFlushDeadline = time.Minute

// ApplyRemoteWrite sends what is appended from now on (the recorded SLO series) to Prometheus' `remote_write:`
// endpoints of cfg, as Prometheus does: queues that tail the TSDB's write-ahead log. Samples appended out of order
// (backfilled history) are not in that log and are not sent. With no endpoints, nothing is sent. On error the
// previous endpoints stay.
func (s *Storage) ApplyRemoteWrite(cfg *config.Config) error {
	s.mtx.Lock()
	defer s.mtx.Unlock()
	if s.closed {
		return errors.New("storage is closed")
	}
	if s.rw == nil {
		if len(cfg.RemoteWriteConfigs) == 0 {
			return nil
		}
		s.rw = remote.NewWriteStorage(s.logger.With("component", "remote_write"), s.reg, s.db.Dir(), remoteWriteFlushDeadline, noScrapeManager{}, false)
		s.db.SetWriteNotified(s.rw)
	}
	return s.rw.ApplyConfig(cfg)
}

// noScrapeManager tells remote write there is no scrape manager (and so no metadata to send).
type noScrapeManager struct{}

func (noScrapeManager) Get() (*scrape.Manager, error) {
	return nil, errors.New("slokeeper scrapes nothing")
}

// Appendable is where recorded series go: the TSDB and, with remote_write endpoints, their queues.
func (s *Storage) Appendable() storage.AppendableV2 { return appendable{s} }

type appendable struct{ s *Storage }

func (a appendable) AppenderV2(ctx context.Context) storage.AppenderV2 {
	a.s.mtx.RLock()
	rw := a.s.rw
	a.s.mtx.RUnlock()
	local := a.s.db.AppenderV2(ctx)
	if rw == nil {
		return local
	}
	return &fanoutAppender{local: local, remote: rw.AppenderV2(ctx)}
}

// fanoutAppender appends to the TSDB and tells remote write the newest timestamp; remote write then reads the
// samples from the TSDB's write-ahead log.
type fanoutAppender struct {
	local, remote storage.AppenderV2
}

func (f *fanoutAppender) Append(ref storage.SeriesRef, ls labels.Labels, st, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram, opts storage.AppendV2Options) (storage.SeriesRef, error) {
	ref, err := f.local.Append(ref, ls, st, t, v, h, fh, opts)
	if err != nil {
		return ref, err
	}
	_, _ = f.remote.Append(0, ls, st, t, v, h, fh, opts)
	return ref, nil
}

func (f *fanoutAppender) Commit() error {
	err := f.local.Commit()
	if rerr := f.remote.Commit(); err == nil {
		err = rerr
	}
	return err
}

func (f *fanoutAppender) Rollback() error {
	err := f.local.Rollback()
	if rerr := f.remote.Rollback(); err == nil {
		err = rerr
	}
	return err
}
