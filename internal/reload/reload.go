// Package reload coordinates the daemon's reloads, as Alertmanager's config.Coordinator does: a reload loads one
// consistent set (the config and the specs, built by the caller's Load) and hands it to the subscribers in the
// order they subscribed; when one fails, the subscribers before it get the running set again, and the running set
// stays what it was. It owns the reload's health series (slokeeper_config_last_reload_successful,
// slokeeper_config_last_reload_success_timestamp_seconds, slokeeper_config_reloads_total), the serialisation of
// reloads, and the watch that reloads when the watched files change.
//
// It must not know what a set holds or how it is read: Load, Fingerprint and the subscribers are the caller's.
package reload

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/promslog"
)

// Subscriber applies a set. When an Apply fails (maybe part-way), that subscriber and those before it are given
// the running set again, and must restore what runs. Subscribers that cannot fail come last.
type Subscriber[T any] struct {
	// Name names the subscriber in errors and logs.
	Name  string
	Apply func(*T) error
}

// Options configures New.
type Options[T any] struct {
	// Load reads a new set; running is the running one (nil at the first load).
	Load func(running *T) (*T, error)
	// Fingerprint sums what the files a set is read from hold now, given the running set (for its file names):
	// the watch reloads when it changes.
	Fingerprint func(running *T) string
	// Logger receives the reloads' outcomes. Nil discards them.
	Logger *slog.Logger
	// Describe gives the log attributes of a set applied ("slos", 12). Nil logs none.
	Describe func(*T) []any
	// Registerer receives the reload metrics. Nil registers none.
	Registerer prometheus.Registerer
}

// Coordinator runs the reloads. Its methods may be called concurrently; reloads run one at a time.
type Coordinator[T any] struct {
	opts        Options[T]
	logger      *slog.Logger
	subscribers []Subscriber[T]
	running     atomic.Pointer[T]

	mtx  sync.Mutex // one reload at a time
	hash string     // the fingerprint of the last reload tried

	lastOK   atomic.Bool
	lastTime atomic.Int64 // unix nanoseconds of the last successful reload
	success  prometheus.Gauge
	successT prometheus.Gauge
	reloads  *prometheus.CounterVec
}

// New returns a Coordinator with no subscriber and no running set.
func New[T any](o Options[T]) *Coordinator[T] {
	if o.Logger == nil {
		o.Logger = promslog.NewNopLogger()
	}
	c := &Coordinator[T]{opts: o, logger: o.Logger,
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_config_last_reload_successful",
			Help: "Whether the last configuration and spec reload succeeded (1) or failed and the previous set kept running (0).",
		}),
		successT: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slokeeper_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration and spec reload.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slokeeper_config_reloads_total",
			Help: "Configuration and spec reloads, by result.",
		}, []string{"result"}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(c.success, c.successT, c.reloads)
	}
	return c
}

// Subscribe adds subscribers, applied in order. Subscribe before the first Apply.
func (c *Coordinator[T]) Subscribe(s ...Subscriber[T]) { c.subscribers = append(c.subscribers, s...) }

// Running is the running set; nil before the first successful Apply.
func (c *Coordinator[T]) Running() *T { return c.running.Load() }

// LastReload tells whether the last reload succeeded, and when the last successful one was.
func (c *Coordinator[T]) LastReload() (ok bool, at time.Time) {
	return c.lastOK.Load(), time.Unix(0, c.lastTime.Load())
}

// Apply applies a set loaded by the caller (the first one, at the start) and makes it the running set.
func (c *Coordinator[T]) Apply(next *T) error {
	c.mtx.Lock()
	defer c.mtx.Unlock()
	c.hash = c.opts.Fingerprint(next)
	err := c.apply(next)
	if err != nil && c.running.Load() == nil {
		return err // the start fails: not a reload
	}
	return c.record(err)
}

// Reload loads a new set and applies it. A failure changes nothing: the running set keeps running,
// slokeeper_config_last_reload_successful turns 0, and the error is returned.
func (c *Coordinator[T]) Reload() error {
	c.mtx.Lock()
	defer c.mtx.Unlock()
	return c.record(c.reload())
}

func (c *Coordinator[T]) reload() error {
	running := c.running.Load()
	// Summed before reading: an edit made while the set loads is seen by the next watch.
	c.hash = c.opts.Fingerprint(running)
	next, err := c.opts.Load(running)
	if err != nil {
		return err
	}
	return c.apply(next)
}

// Update applies the set f derives from the running one (the same files, built again), as a reload does.
func (c *Coordinator[T]) Update(f func(running *T) (*T, error)) error {
	c.mtx.Lock()
	defer c.mtx.Unlock()
	next, err := f(c.running.Load())
	if err != nil {
		return c.record(err)
	}
	return c.record(c.apply(next))
}

// apply hands next to the subscribers; when one fails, it and the ones before it get the running set back.
func (c *Coordinator[T]) apply(next *T) error {
	running := c.running.Load()
	for i, s := range c.subscribers {
		err := s.Apply(next)
		if err == nil {
			continue
		}
		for j := i; j >= 0 && running != nil; j-- {
			if rerr := c.subscribers[j].Apply(running); rerr != nil {
				c.logger.Error("Restoring the running set after a failed reload failed", "subscriber", c.subscribers[j].Name, "err", rerr)
			}
		}
		return err // the subscribers say what failed
	}
	c.running.Store(next)
	return nil
}

// record sets the reload metrics and logs the outcome of a reload.
func (c *Coordinator[T]) record(err error) error {
	defer c.logged(err)
	c.lastOK.Store(err == nil)
	if err != nil {
		c.success.Set(0)
		c.reloads.WithLabelValues("failure").Inc()
		return err
	}
	c.success.Set(1)
	c.successT.SetToCurrentTime()
	c.lastTime.Store(time.Now().UnixNano())
	c.reloads.WithLabelValues("success").Inc()
	return nil
}

// Watch reloads every interval when the watched files changed, until ctx is done. A change whose reload fails is
// not tried again until the files change again. Polling, unlike inotify, also sees files replaced by renames and
// Kubernetes ConfigMap symlink swaps.
func (c *Coordinator[T]) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.mtx.Lock()
		changed := c.opts.Fingerprint(c.running.Load()) != c.hash
		c.mtx.Unlock()
		if changed {
			c.logger.Info("Config or spec files changed, reloading")
			_ = c.Reload() // logged by record
		}
	}
}

func (c *Coordinator[T]) logged(err error) {
	if err != nil {
		c.logger.Error("Reload failed, the previous configuration and specs keep running", "err", err)
		return
	}
	var attrs []any
	if c.opts.Describe != nil {
		attrs = c.opts.Describe(c.running.Load())
	}
	c.logger.Info("Configuration and specs applied", attrs...)
}
