package reload

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// set is a test's loaded set: the content of its one "file".
type set struct{ content string }

// files stands for the watched files: what Load reads and Fingerprint sums.
type files struct {
	mtx     sync.Mutex
	content string
	sums    atomic.Int64 // Fingerprint calls: the watch's ticks
}

func (f *files) sum() string {
	f.sums.Add(1)
	return f.get()
}

func (f *files) get() string {
	f.mtx.Lock()
	defer f.mtx.Unlock()
	return f.content
}

func (f *files) set(s string) {
	f.mtx.Lock()
	defer f.mtx.Unlock()
	f.content = s
}

// recorder is a subscriber that records what it was given and fails on a set whose content says so.
type recorder struct {
	mtx     sync.Mutex
	name    string
	applied []string
}

func (r *recorder) subscriber() Subscriber[set] {
	return Subscriber[set]{Name: r.name, Apply: func(s *set) error {
		if strings.Contains(s.content, "bad-"+r.name) {
			return errors.New("refused")
		}
		r.mtx.Lock()
		defer r.mtx.Unlock()
		r.applied = append(r.applied, s.content)
		return nil
	}}
}

func (r *recorder) got() []string {
	r.mtx.Lock()
	defer r.mtx.Unlock()
	return append([]string(nil), r.applied...)
}

func newTest(t *testing.T) (*Coordinator[set], *files, *prometheus.Registry, []*recorder) {
	t.Helper()
	f := &files{content: "v1"}
	reg := prometheus.NewRegistry()
	c := New(Options[set]{
		Load: func(*set) (*set, error) {
			if s := f.get(); s != "unreadable" {
				return &set{content: s}, nil
			}
			return nil, errors.New("unreadable")
		},
		Fingerprint: func(*set) string { return f.sum() },
		Registerer:  reg,
	})
	rs := []*recorder{{name: "first"}, {name: "second"}, {name: "third"}}
	for _, r := range rs {
		c.Subscribe(r.subscriber())
	}
	require.NoError(t, c.Apply(&set{content: "v1"}))
	return c, f, reg, rs
}

func TestReloadAppliesInOrderAndRollsBack(t *testing.T) {
	c, f, reg, rs := newTest(t)
	f.set("v2")
	require.NoError(t, c.Reload())
	require.Equal(t, "v2", c.Running().content)

	// The second subscriber refuses: it and the first get the running set back, the third never sees the new one.
	f.set("v3 bad-second")
	require.EqualError(t, c.Reload(), "refused")
	require.Equal(t, "v2", c.Running().content)
	require.Equal(t, []string{"v1", "v2", "v3 bad-second", "v2"}, rs[0].got())
	require.Equal(t, []string{"v1", "v2", "v2"}, rs[1].got())
	require.Equal(t, []string{"v1", "v2"}, rs[2].got())
	ok, _ := c.LastReload()
	require.False(t, ok)

	// A set that cannot be loaded reaches no subscriber.
	f.set("unreadable")
	require.EqualError(t, c.Reload(), "unreadable")
	require.Len(t, rs[0].got(), 4)

	// Update builds from the running set.
	require.NoError(t, c.Update(func(r *set) (*set, error) { return &set{content: r.content + "+rebuilt"}, nil }))
	require.Equal(t, "v2+rebuilt", c.Running().content)
	ok, at := c.LastReload()
	require.True(t, ok)
	require.WithinDuration(t, time.Now(), at, time.Minute)

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP slokeeper_config_last_reload_successful Whether the last configuration and spec reload succeeded (1) or failed and the previous set kept running (0).
# TYPE slokeeper_config_last_reload_successful gauge
slokeeper_config_last_reload_successful 1
# HELP slokeeper_config_reloads_total Configuration and spec reloads, by result.
# TYPE slokeeper_config_reloads_total counter
slokeeper_config_reloads_total{result="failure"} 2
slokeeper_config_reloads_total{result="success"} 3
`), "slokeeper_config_last_reload_successful", "slokeeper_config_reloads_total"))
}

// A failed first Apply is the start failing: no set runs, and it is not counted as a reload.
func TestApplyAtStartFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := New(Options[set]{Fingerprint: func(*set) string { return "" }, Registerer: reg})
	c.Subscribe((&recorder{name: "only"}).subscriber())
	require.EqualError(t, c.Apply(&set{content: "bad-only"}), "refused")
	require.Nil(t, c.Running())
	require.Equal(t, 0, testutil.CollectAndCount(reg, "slokeeper_config_reloads_total"))
}

// The watch reloads when the files change, and does not try a failing change again until they change again.
func TestWatch(t *testing.T) {
	c, f, _, rs := newTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Watch(ctx, time.Millisecond)
	}()
	defer func() { cancel(); <-done }()

	f.set("v2")
	require.Eventually(t, func() bool { return c.Running().content == "v2" }, time.Minute, time.Millisecond)
	f.set("v3 bad-third")
	failures := func() float64 { return testutil.ToFloat64(c.reloads.WithLabelValues("failure")) }
	require.Eventually(t, func() bool { return failures() == 1 }, time.Minute, time.Millisecond)
	// Ten ticks later, still one failure: the same content is not tried again.
	applied, sums := len(rs[0].got()), f.sums.Load()
	require.Eventually(t, func() bool { return f.sums.Load() >= sums+10 }, time.Minute, time.Millisecond)
	require.Equal(t, 1.0, failures())
	require.Len(t, rs[0].got(), applied)
	f.set("v4")
	require.Eventually(t, func() bool { return c.Running().content == "v4" }, time.Minute, time.Millisecond)
}
