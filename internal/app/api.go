package app

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/slokeeper/slokeeper"
	"github.com/slokeeper/slokeeper/internal/budget"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

// slos is what /api/v1/slos serves (and the status page renders): every SLO's status, a list as in Prometheus'
// API; the snapshot's time is on /api/v1/status.
func (a *App) slos() any {
	s := a.snapshot.Load()
	if s == nil || s.SLOs == nil {
		return []budget.Status{}
	}
	return a.encoded.get(s)
}

// sloCache holds the latest snapshot's SLOs encoded for /api/v1/slos: encoded once per snapshot, however many
// clients ask (1,000 SLOs are about a megabyte of JSON); the clients that come while it is being encoded wait for
// it rather than each encoding their own.
type sloCache struct {
	latest atomic.Pointer[encodedSLOs]
	mtx    sync.Mutex // one encoding at a time
}

// encodedSLOs is a snapshot's SLOs encoded for /api/v1/slos.
type encodedSLOs struct {
	snap *budget.Snapshot
	body *web.Encoded
}

func (c *sloCache) get(s *budget.Snapshot) any {
	if e := c.latest.Load(); e != nil && e.snap == s {
		return e.body
	}
	c.mtx.Lock()
	defer c.mtx.Unlock()
	if e := c.latest.Load(); e != nil && e.snap == s {
		return e.body
	}
	body, err := web.Encode(s.SLOs)
	if err != nil {
		return s.SLOs // the API answers the encoding error
	}
	c.latest.Store(&encodedSLOs{snap: s, body: body})
	return body
}

func (a *App) status() any {
	l := a.running.Running()
	cfg := l.cfg
	reloadOK, reloadTime := a.running.LastReload()
	return v1.DaemonStatus{
		Version:               slokeeper.Version(),
		StartTime:             a.started.UTC(),
		ConfigFile:            a.opts.ConfigFile,
		Config:                cfg.String(),
		SpecFiles:             l.files,
		SLOs:                  len(l.slos),
		ReloadSuccessful:      reloadOK,
		LastReloadSuccessTime: reloadTime.UTC(),
		BackfillPending:       a.evaluator.Pending(),
		Ready:                 a.ready.Load(),
		SnapshotTime:          snapshotTime(a.snapshot.Load()),
		Demo:                  a.opts.Demo,
		StoragePath:           cfg.Storage.Path,
		ExternalLabels:        cfg.Global.ExternalLabels.Map(),
		EvaluationInterval:    cfg.Global.EvaluationInterval.String(),
	}
}

// snapshotTime is when s was computed; nil before the first snapshot.
func snapshotTime(s *budget.Snapshot) *time.Time {
	if s == nil {
		return nil
	}
	t := s.Time.UTC()
	return &t
}
