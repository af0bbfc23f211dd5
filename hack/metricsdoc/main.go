// Command metricsdoc writes the metrics reference, docs/metrics.md, to standard output (`make docs`; `make
// check-generated` compares it with the checked-in page):
//
//	go run ./hack/metricsdoc > docs/metrics.md
//
// It runs the daemon's built-in demo in-process (internal/app, listening on 127.0.0.1:0, no outside service)
// until the demo has settled, then lists the families of the daemon's own prometheus.Registry with
// internal/metricsdoc and renders them with the page's prose (prose.go).
//
// It owns when the registry is complete (read from three of the daemon's gauges) and the prose around the
// families. It must not list the families, nor their types, help texts or labels: those come from the registry,
// so the page cannot drift from the daemon (prose.go's notes name families, and a note about a family the
// registry does not have fails the run). It must not know internal/app's internals either: it
// uses Options{Demo, ListenAddress, WatchInterval, SnapshotInterval}, New, Registry, Run and Ready only.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slokeeper/slokeeper/internal/app"
	"github.com/slokeeper/slokeeper/internal/metricsdoc"
)

// timeout bounds the whole run: the demo is ready in under a minute on a loaded 2-core machine.
const timeout = 10 * time.Minute

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "metricsdoc:", err)
		os.Exit(1)
	}
}

// run starts the demo, waits for it to settle, writes the page and stops the demo.
func run(ctx context.Context, w io.Writer) (err error) {
	a, err := app.New(app.Options{
		Demo:          true,
		ListenAddress: "127.0.0.1:0",
		WatchInterval: -1, // nothing to reload
		// The snapshot that settle waits for comes within a second of the backfill.
		SnapshotInterval: time.Second,
	})
	if err != nil {
		return fmt.Errorf("couldn't start the demo: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var runErr error
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		runErr = a.Run(runCtx)
	}()
	defer func() {
		stop()
		<-stopped
		if runErr != nil && err == nil {
			err = fmt.Errorf("the demo failed: %w", runErr)
		}
	}()

	if err := settle(ctx, a, stopped); err != nil {
		return err
	}
	families, err := metricsdoc.Inventory(a.Registry())
	if err != nil {
		return err
	}
	return metricsdoc.Write(w, page, families)
}

// settle returns once the registry exposes every family the demo makes: the daemon is ready (its first snapshot
// is exported, and with it the families of the unchecked per-SLO collectors), the SLI probe has published a
// round, every backfill has finished, and a snapshot computed after all that is exported, so that every SLO's
// numbers are known and no per-SLO family is left out for want of a value. The app signals none of this, so the
// registry is polled.
func settle(ctx context.Context, a *app.App, stopped <-chan struct{}) error {
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	quietAt := -1.0 // the snapshot timestamp seen when the probe had run and no backfill was pending any more
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the demo did not settle (ready %t, probed and backfilled %t): %w", a.Ready(), quietAt >= 0, ctx.Err())
		case <-stopped:
			return errors.New("the demo stopped before it settled")
		case <-poll.C:
		}
		if !a.Ready() {
			continue
		}
		g, err := readGauges(a.Registry())
		if err != nil {
			return err
		}
		switch {
		case quietAt < 0 && g[gaugeBackfillPending] == 0 && g[gaugeProbeDuration] > 0:
			quietAt = g[gaugeSnapshot]
		case quietAt >= 0 && g[gaugeSnapshot] > quietAt:
			return nil
		}
	}
}

// The daemon's gauges that settle reads.
const (
	gaugeBackfillPending = "slokeeper_backfill_pending_slos"
	gaugeProbeDuration   = "slokeeper_sli_probe_duration_seconds" // set after each round of probes
	gaugeSnapshot        = "slokeeper_budget_snapshot_last_success_timestamp_seconds"
)

// readGauges reads settle's gauges from reg.
func readGauges(reg prometheus.Gatherer) (map[string]float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	values := map[string]float64{}
	for _, mf := range mfs {
		switch mf.GetName() {
		case gaugeBackfillPending, gaugeProbeDuration, gaugeSnapshot:
			if len(mf.GetMetric()) == 1 && mf.GetMetric()[0].GetGauge() != nil {
				values[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
	}
	for _, name := range []string{gaugeBackfillPending, gaugeProbeDuration, gaugeSnapshot} {
		if _, ok := values[name]; !ok {
			return nil, fmt.Errorf("the registry has no gauge %s: settle must learn what replaced it", name)
		}
	}
	return values, nil
}
