package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"

	config_util "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
)

// ApplyRemoteRead replaces the remote-read endpoints with cfgs, in Prometheus' own `remote_read:` format (parse
// them with config.Load or yaml into []*config.RemoteReadConfig so defaults are applied). externalLabels are, as in
// Prometheus, added as equality matchers to every remote query and stripped from the results, for endpoints with
// filter_external_labels (the YAML default).
//
// Unlike Prometheus, every endpoint is read for recent data too (read_recent is treated as true): the local TSDB
// holds recorded series and whatever is pushed to it, not the raw series the remote holds, so "prefer local
// storage for recent data" would hide the remote's recent samples.
//
// On error nothing changes. Queriers created before the call keep the endpoints they were created with, so a
// reload never disturbs a running query.
func (s *Storage) ApplyRemoteRead(cfgs []*config.RemoteReadConfig, externalLabels labels.Labels) error {
	remotes, err := newRemotes(cfgs, externalLabels, s.db.StartTime, config_util.WithDialContextFunc(s.dialer.dial))
	if err != nil {
		return err
	}
	s.mtx.Lock()
	defer s.mtx.Unlock()
	if s.closed {
		return errors.New("storage is closed")
	}
	s.remotes = remotes
	return nil
}

// Remotes are the remote-read endpoints applied last, in the order of their config.
func (s *Storage) Remotes() []Remote {
	s.mtx.RLock()
	defer s.mtx.RUnlock()
	return s.remotes
}

// Remote is one remote-read endpoint as the daemon reads it.
type Remote struct {
	// Name is the remote_read's name as configured; empty when it has none.
	Name string
	// URL is its url.
	URL string
	// FilterLabels are the external labels added as equality matchers to its queries and stripped from its
	// results (filter_external_labels, true by default); empty when it does not filter.
	FilterLabels labels.Labels

	queryable, unfiltered storage.SampleAndChunkQueryable
}

// String names the endpoint as a user finds it in the config: remote read "name", or its URL without a name.
func (r Remote) String() string {
	if r.Name != "" {
		return fmt.Sprintf("remote read %q", r.Name)
	}
	return "remote read " + r.URL
}

// Queryable reads the endpoint as the rules do: with its external-label matchers.
func (r Remote) Queryable() storage.Queryable { return r.queryable }

// Unfiltered reads the endpoint through the same client without the external-label matchers, to tell whether
// they are why a selector matches nothing; nil when the endpoint does not filter.
func (r Remote) Unfiltered() storage.Queryable {
	if r.unfiltered == nil {
		return nil
	}
	return r.unfiltered
}

// RemoteRead is the remote-read endpoints of a configuration without a TSDB, configured as ApplyRemoteRead
// configures the daemon's (the same external-label filter, required matchers and recent data): for commands that
// read what the daemon reads (slokeeper check --config.file, slokeeper review). Close closes their connections.
type RemoteRead struct {
	remotes []Remote
	dialer  *connTracker
}

// OpenRemoteRead configures the endpoints of cfgs; nothing is dialled before a query.
func OpenRemoteRead(cfgs []*config.RemoteReadConfig, externalLabels labels.Labels) (*RemoteRead, error) {
	dialer := newConnTracker()
	// No local storage, so no start time for it: every endpoint is read for recent data anyway.
	noLocal := func() (int64, error) { return 0, nil }
	remotes, err := newRemotes(cfgs, externalLabels, noLocal, config_util.WithDialContextFunc(dialer.dial))
	if err != nil {
		return nil, err
	}
	return &RemoteRead{remotes: remotes, dialer: dialer}, nil
}

// Remotes are the endpoints, in the order of their config.
func (r *RemoteRead) Remotes() []Remote { return r.remotes }

// Queryable merges the endpoints, as secondaries: a failing endpoint's error becomes a warning of the series
// set, as in the daemon's merged Queryable.
func (r *RemoteRead) Queryable() storage.Queryable {
	return storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		return mergeQueriers(mint, maxt, nil, queryables(r.remotes))
	})
}

// Close closes the endpoints' connections; queries still running fail.
func (r *RemoteRead) Close() error {
	r.dialer.closeAll()
	return nil
}

// queryables are the endpoints' queryables, as the rules read them.
func queryables(rs []Remote) []storage.Queryable {
	qs := make([]storage.Queryable, len(rs))
	for i, r := range rs {
		qs[i] = r.queryable
	}
	return qs
}

// mergeQueriers opens the queriers of primary (when not nil) and of every secondary over [mint, maxt] and
// merges them: series present in several are deduplicated sample by sample, and a secondary that fails a query
// only adds a warning, as in Prometheus. On error the queriers opened are closed again.
func mergeQueriers(mint, maxt int64, primary storage.Queryable, secondaries []storage.Queryable) (storage.Querier, error) {
	var primaries, opened []storage.Querier
	fail := func(err error) (storage.Querier, error) {
		errs := []error{err}
		for _, q := range append(primaries, opened...) {
			errs = append(errs, q.Close())
		}
		return nil, errors.Join(errs...)
	}
	if primary != nil {
		q, err := primary.Querier(mint, maxt)
		if err != nil {
			return nil, err
		}
		primaries = []storage.Querier{q}
	}
	for _, s := range secondaries {
		q, err := s.Querier(mint, maxt)
		if err != nil {
			return fail(err)
		}
		opened = append(opened, q)
	}
	return storage.NewMergeQuerier(primaries, opened, storage.ChainedSeriesMerge), nil
}

func newRemotes(cfgs []*config.RemoteReadConfig, externalLabels labels.Labels, startTime func() (int64, error), opts ...config_util.HTTPClientOption) ([]Remote, error) {
	seen := make(map[string]struct{}, len(cfgs))
	remotes := make([]Remote, 0, len(cfgs))
	for i, rr := range cfgs {
		if rr == nil || rr.URL == nil || rr.URL.URL == nil {
			return nil, fmt.Errorf("remote_read[%d]: url must be set", i)
		}
		name := rr.Name
		if name == "" {
			sum := sha256.Sum256([]byte(rr.URL.String()))
			name = hex.EncodeToString(sum[:])[:6]
		}
		key := name + "\x00" + rr.URL.String()
		if _, ok := seen[key]; ok {
			return nil, fmt.Errorf("remote_read[%d] (url %s): duplicate remote read config", i, rr.URL)
		}
		seen[key] = struct{}{}

		limit := rr.ChunkedReadLimit
		if limit == 0 {
			// 0 would be a 0-byte limit, failing every streamed chunk, not "unlimited".
			limit = config.DefaultChunkedReadLimit
		}
		timeout := rr.RemoteTimeout
		if timeout == 0 {
			timeout = config.DefaultRemoteReadConfig.RemoteTimeout
		}
		client, err := remote.NewReadClient(name, &remote.ClientConfig{
			URL:              rr.URL,
			Timeout:          timeout,
			HTTPClientConfig: rr.HTTPClientConfig,
			Headers:          rr.Headers,
			ChunkedReadLimit: limit,
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("remote_read[%d] (url %s): %w", i, rr.URL, err)
		}
		r := Remote{Name: rr.Name, URL: rr.URL.String(), FilterLabels: labels.EmptyLabels()}
		required := equalityMatchers(rr.RequiredMatchers)
		if rr.FilterExternalLabels && !externalLabels.IsEmpty() {
			r.FilterLabels = externalLabels
			r.unfiltered = remote.NewSampleAndChunkQueryableClient(client, labels.EmptyLabels(), required, true, startTime)
		}
		r.queryable = remote.NewSampleAndChunkQueryableClient(client, r.FilterLabels, required, true, startTime)
		remotes = append(remotes, r)
	}
	return remotes, nil
}

func equalityMatchers(ls model.LabelSet) []*labels.Matcher {
	ms := make([]*labels.Matcher, 0, len(ls))
	for k, v := range ls {
		ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, string(k), string(v)))
	}
	return ms
}

// connTracker dials remote-read connections and remembers them, so Close can close the keep-alive connections
// (and the transport goroutines behind them) that Prometheus' read client gives no handle on.
type connTracker struct {
	dialer net.Dialer
	mtx    sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func newConnTracker() *connTracker {
	return &connTracker{conns: map[*trackedConn]struct{}{}}
}

func (t *connTracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := t.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: t}
	t.mtx.Lock()
	defer t.mtx.Unlock()
	if t.closed {
		_ = c.Close()
		return nil, errors.New("storage is closed")
	}
	t.conns[tc] = struct{}{}
	return tc, nil
}

func (t *connTracker) closeAll() {
	t.mtx.Lock()
	conns := t.conns
	t.conns = map[*trackedConn]struct{}{}
	t.closed = true
	t.mtx.Unlock()
	for c := range conns {
		_ = c.Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	t    *connTracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mtx.Lock()
		delete(c.t.conns, c)
		c.t.mtx.Unlock()
	})
	return c.Conn.Close()
}
