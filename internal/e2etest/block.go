package e2etest

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/tsdb"
)

// WriteBlock writes one TSDB block into dir with what fill appends through the block writer's appenders, and
// returns how many samples fill says it appended; nothing is flushed when that is none. The writer keeps
// everything in a head until it flushes, and that head accepts in-order samples only within half its chunk range
// of its newest one: history bounds the stretch of time fill writes, and the chunk range is four times it.
func WriteBlock(tb testing.TB, dir string, history time.Duration, fill func(ctx context.Context, w *tsdb.BlockWriter) int) int {
	tb.Helper()
	w, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), dir, (4 * history).Milliseconds())
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if err := w.Close(); err != nil {
			tb.Error(err)
		}
	}()
	ctx := context.Background()
	n := fill(ctx, w)
	if n == 0 {
		return 0
	}
	if _, err := w.Flush(ctx); err != nil {
		tb.Fatal(err)
	}
	return n
}
