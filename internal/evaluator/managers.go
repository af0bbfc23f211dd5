package evaluator

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"
)

// managers runs one Prometheus rules manager per identifier (spec file), so that an Update touches only the
// identifiers whose groups changed. A manager keeps a group it is given again by comparing it with the running
// one rule by rule, printing both as YAML: at 1,000 SLOs that costs seconds, more than loading them, and one
// manager for all files would pay it for every file whenever one changed.
type managers struct {
	opts rules.ManagerOptions // every manager's, Metrics shared: they register once

	mtx  sync.RWMutex
	byID map[string]*fileManager
	wg   sync.WaitGroup // the managers' Run
}

type fileManager struct {
	m  *rules.Manager
	fp uint64 // fingerprint of the groups it runs
}

func newManagers(opts rules.ManagerOptions) *managers {
	if opts.Metrics == nil {
		opts.Metrics = rules.NewGroupMetrics(opts.Registerer)
	}
	return &managers{opts: opts, byID: map[string]*fileManager{}}
}

// changed reports whether id runs groups other than those of fingerprint fp.
func (ms *managers) changed(id string, fp uint64) bool {
	ms.mtx.RLock()
	defer ms.mtx.RUnlock()
	fm, ok := ms.byID[id]
	return !ok || fm.fp != fp
}

// ids are the identifiers running now.
func (ms *managers) ids() []string {
	ms.mtx.RLock()
	defer ms.mtx.RUnlock()
	out := make([]string, 0, len(ms.byID))
	for id := range ms.byID {
		out = append(out, id)
	}
	return out
}

// update gives id's manager (a new, running one if id has none) the groups the loader holds for id.
func (ms *managers) update(id string, fp uint64, interval time.Duration, ext labels.Labels, extURL string, iterate rules.GroupEvalIterationFunc) error {
	ms.mtx.Lock()
	fm, ok := ms.byID[id]
	if !ok {
		opts := ms.opts
		fm = &fileManager{m: rules.NewManager(&opts)}
		ms.byID[id] = fm
		// A manager must run before its Update: Update stops the groups it replaces and waits for them.
		ms.wg.Go(fm.m.Run)
	}
	ms.mtx.Unlock()
	if err := fm.m.Update(interval, []string{id}, ext, extURL, iterate); err != nil {
		if !ok {
			ms.remove(id, interval, ext, extURL, iterate)
		}
		return err
	}
	ms.mtx.Lock()
	fm.fp = fp
	ms.mtx.Unlock()
	return nil
}

// remove stops id's groups, marking their series stale, and its manager.
func (ms *managers) remove(id string, interval time.Duration, ext labels.Labels, extURL string, iterate rules.GroupEvalIterationFunc) {
	ms.mtx.Lock()
	fm, ok := ms.byID[id]
	delete(ms.byID, id)
	ms.mtx.Unlock()
	if !ok {
		return
	}
	_ = fm.m.Update(interval, nil, ext, extURL, iterate) // no files: every group stops, its series marked stale
	fm.m.Stop()
}

// stop stops every manager and waits for them.
func (ms *managers) stop() {
	ms.mtx.Lock()
	for _, fm := range ms.byID {
		fm.m.Stop()
	}
	ms.byID = map[string]*fileManager{}
	ms.mtx.Unlock()
	ms.wg.Wait()
}

// ruleGroups returns the running groups, sorted by identifier then name.
func (ms *managers) ruleGroups() []*rules.Group {
	ms.mtx.RLock()
	var out []*rules.Group
	for _, fm := range ms.byID {
		out = append(out, fm.m.RuleGroups()...)
	}
	ms.mtx.RUnlock()
	slices.SortFunc(out, func(a, b *rules.Group) int {
		if c := strings.Compare(a.File(), b.File()); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	return out
}

// alertingRules returns the alerting rules of the running groups.
func (ms *managers) alertingRules() []*rules.AlertingRule {
	var out []*rules.AlertingRule
	for _, g := range ms.ruleGroups() {
		for _, r := range g.Rules() {
			if a, ok := r.(*rules.AlertingRule); ok {
				out = append(out, a)
			}
		}
	}
	return out
}
