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
	seen := make(map[string]struct{}, len(cfgs))
	remotes := make([]storage.SampleAndChunkQueryable, 0, len(cfgs))
	for i, rr := range cfgs {
		if rr == nil || rr.URL == nil || rr.URL.URL == nil {
			return fmt.Errorf("remote_read[%d]: url must be set", i)
		}
		name := rr.Name
		if name == "" {
			sum := sha256.Sum256([]byte(rr.URL.String()))
			name = hex.EncodeToString(sum[:])[:6]
		}
		key := name + "\x00" + rr.URL.String()
		if _, ok := seen[key]; ok {
			return fmt.Errorf("remote_read[%d] (url %s): duplicate remote read config", i, rr.URL)
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
		}, config_util.WithDialContextFunc(s.dialer.dial))
		if err != nil {
			return fmt.Errorf("remote_read[%d] (url %s): %w", i, rr.URL, err)
		}
		ext := labels.EmptyLabels()
		if rr.FilterExternalLabels {
			ext = externalLabels
		}
		remotes = append(remotes, remote.NewSampleAndChunkQueryableClient(
			client, ext, equalityMatchers(rr.RequiredMatchers), true, s.db.StartTime))
	}

	s.mtx.Lock()
	defer s.mtx.Unlock()
	if s.closed {
		return errors.New("storage is closed")
	}
	s.remotes = remotes
	return nil
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
