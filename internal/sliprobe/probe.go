// Package sliprobe tells which SLIs read selectors that match no series, and why.
//
// An SLI whose selectors match nothing has no data: its rules record nothing, its budget is unknown, and
// nothing fails, so without this package the daemon would look healthy while measuring nothing. The usual cause
// is configuration rather than the selector: with global.external_labels set, every remote_read endpoint adds
// them as matchers (Prometheus' filter_external_labels, true by default), and a source whose series lack them
// answers nothing. This package owns the check and its explanation: it extracts the selectors each SLI kind reads
// (as pkg/generate's rules read them), selects them over a recent range from the same merged Queryable the rules
// read (remote read and the local TSDB), and, for a selector that matches nothing, selects it again from every
// endpoint that filters by external labels without those matchers, to say whether they are the cause.
//
// Monitor runs the check in the daemon: at load and reload, then on a slow cadence (faster while something is
// missing), never per rule evaluation; identical selectors are probed once, a few at a time. It reports per SLO
// (a gauge, and a Report for the JSON API) and logs once when an SLO's selectors start and stop matching
// nothing. Check runs it once, for `slokeeper check --config.file`.
//
// It owns the probing and the explanation; it must not know how the daemon's storage is opened or served (it
// receives its sources) nor what a missing selector does to a budget or the policy.
package sliprobe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/prometheus/storage"
)

// Result is what probing one selector found.
type Result struct {
	// Series is the number of series the selector matched (0: none).
	Series int
	// Err is set when the probe failed, or a source failed and no other had series: the state is unknown.
	Err error
}

// Probe selects every selector over [from, to] from q, concurrency at a time, and returns what each found, in
// the order of sels. Every select has a querier of its own: a merged querier refuses a select once a series set
// it returned was iterated, and a TSDB head querier is not safe for concurrent use. Series are counted, their
// samples are not read.
func Probe(ctx context.Context, q storage.Queryable, sels []Selector, from, to time.Time, concurrency int) []Result {
	results := make([]Result, len(sels))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(concurrency, len(sels))) {
		wg.Go(func() {
			for i := range jobs {
				results[i] = probeOne(ctx, q, sels[i], from, to)
			}
		})
	}
	for i := range sels {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}

func probeOne(ctx context.Context, q storage.Queryable, sel Selector, from, to time.Time) Result {
	querier, err := q.Querier(from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return Result{Err: fmt.Errorf("couldn't query the sources: %w", err)}
	}
	defer querier.Close()
	hints := &storage.SelectHints{Start: from.UnixMilli(), End: to.UnixMilli()}
	ss := querier.Select(ctx, false, hints, sel.Matchers...)
	n := 0
	for ss.Next() {
		n++
	}
	switch {
	case n > 0:
		return Result{Series: n}
	case ss.Err() != nil:
		return Result{Err: ss.Err()}
	case len(ss.Warnings()) > 0:
		// A source failed (merged queriers turn remote errors into warnings): its series may exist.
		return Result{Err: errors.Join(ss.Warnings().AsErrors()...)}
	case ctx.Err() != nil:
		return Result{Err: ctx.Err()}
	}
	return Result{}
}
