package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

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
