package demo

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/tsdb"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	slokeeper "github.com/slokeeper/slokeeper"
)

// The fixture is the example specs and their history as a TSDB block; a TSDB opened on it then takes the live
// traffic. Written again on the same storage, it leaves the history that is there.
func TestWriteFixture(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	const res = 50 * time.Millisecond
	o := FixtureOptions{
		SpecDir: filepath.Join(dir, "specs"), DataDir: filepath.Join(dir, "data"),
		Traffic: Options{History: time.Minute, Resolution: res, Seed: seed},
	}
	f, err := WriteFixture(t.Context(), o)
	require.NoError(t, err)
	require.True(t, f.Wrote)
	examples, err := fs.Glob(slokeeper.Examples, "examples/*.yaml")
	require.NoError(t, err)
	require.Len(t, f.SpecFiles, len(examples))
	for i, e := range examples {
		want, err := slokeeper.Examples.ReadFile(e)
		require.NoError(t, err)
		got, err := os.ReadFile(f.SpecFiles[i])
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}

	db, err := tsdb.Open(f.DataDir, nil, nil, tsdb.DefaultOptions(), nil)
	require.NoError(t, err)
	historyEnd := f.gen.start
	require.Equal(t, float64(time.Minute/res+1), scalar(t, db, `max(count_over_time(probe_success[2m]))`, historyEnd))
	ctx, cancel := context.WithTimeout(t.Context(), 8*res)
	defer cancel()
	require.NoError(t, f.Run(ctx, db))
	require.Greater(t, scalar(t, db, `max(timestamp(probe_success))`, time.Now()), float64(historyEnd.UnixMilli())/1000,
		"live samples follow the history")
	require.NoError(t, db.Close())

	again, err := WriteFixture(t.Context(), o)
	require.NoError(t, err)
	require.False(t, again.Wrote, "the storage holds data")

	o.Traffic.Appendable = db
	_, err = WriteFixture(t.Context(), o)
	require.ErrorContains(t, err, "leave Traffic.Appendable nil")
	_, err = WriteFixture(t.Context(), FixtureOptions{SpecDir: o.SpecDir})
	require.ErrorContains(t, err, "needs a directory")
}
