package storage

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

func TestHeadChunkFiles(t *testing.T) {
	dir := t.TempDir()
	require.Zero(t, headChunkFiles(filepath.Join(dir, "missing")))
	require.Zero(t, headChunkFiles(dir))
	for _, name := range []string{"000002", "000010", "lock", "000003.tmp"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	require.Equal(t, uint64(10), headChunkFiles(dir))
}

// Compactions stay off until the head has a chunk file newer than those at Open, then come on.
func TestCompactionGateWaitsForTheFirstChunkFile(t *testing.T) {
	st, err := Open(Options{Dir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })

	chunks := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(chunks, "000004"), nil, 0o644)) // from an earlier run
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.gateCompactions(context.Background(), chunks, 4, 10*time.Millisecond)
	}()
	select {
	case <-done:
		t.Fatal("compactions enabled before the head cut a chunk file of its own")
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, os.WriteFile(filepath.Join(chunks, "000005"), nil, 0o644))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("compactions not enabled after the first chunk file")
	}

	// Cancelled, it returns without enabling anything.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st.gateCompactions(ctx, chunks, 5, time.Hour)
}

// A compaction needs little free disk (issue 19): the daemon's blocks hold megabytes, and a compaction that
// preallocated Prometheus' 512 MiB chunk file for one failed on a small volume. Here files may not grow past
// 64 MiB (RLIMIT_FSIZE, which fallocate honours like write), and a head of four hours compacts into a block.
func TestCompactionFitsInLittleDisk(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })

	app := st.db.Appender(t.Context())
	end := time.Now()
	for ts := end.Add(-4 * time.Hour); ts.Before(end); ts = ts.Add(15 * time.Second) {
		for i := range 10 {
			_, err := app.Append(0, labels.FromStrings("__name__", "m", "i", strconv.Itoa(i)), ts.UnixMilli(), float64(ts.Unix()))
			require.NoError(t, err)
		}
	}
	require.NoError(t, app.Commit())

	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old))
	limited := old
	limited.Cur = min(old.Max, 64<<20)
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limited))
	err = st.db.Compact(t.Context())
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old))
	require.NoError(t, err, "a compaction needs more than 64 MiB of file")
	require.NotEmpty(t, st.db.Blocks(), "no block written")
}
