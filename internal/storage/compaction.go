package storage

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Compaction gate.
//
// The TSDB's head-chunk files have a race (Prometheus v0.316, tsdb/chunks.ChunkDiskMapper.Truncate): a head
// truncation that runs while the chunk mapper has no file of its own yet (nothing written since the TSDB opened)
// resets the mapper's file sequence after looking at the files, so a chunk file cut in between by a concurrent
// append is forgotten, and the next cut panics with "expected newly cut file to have sequence:offset 1:8, got
// 2:8". Prometheus rarely meets it: its head becomes compactable hours after start. The daemon meets it at start:
// backfill appends weeks of recorded history, the head (or its out-of-order part) is compactable at once, and
// the rules append and cut chunk files at the same time.
//
// Once the mapper has cut a file in this process, that file is its current one, which truncation never removes,
// and the reset cannot happen. So compactions stay off from Open until a head-chunk file newer than those found
// at Open exists (and one more check interval has passed, for the cut to finish), then the TSDB compacts as usual.
// Samples are kept in the head meanwhile: rule evaluation fills a chunk file within minutes.

const compactionGateInterval = 5 * time.Second

// headChunkFiles returns the highest sequence number among the head-chunk files in dir ("chunks_head" in the
// TSDB directory), 0 when there are none.
func headChunkFiles(dir string) uint64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var highest uint64
	for _, e := range entries {
		if n, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && n > highest {
			highest = n
		}
	}
	return highest
}

// gateCompactions enables the TSDB's compactions once a head-chunk file after `opened` (the highest sequence at
// Open) exists, checking every interval until ctx is done. It returns when it enabled them or ctx is done.
func (s *Storage) gateCompactions(ctx context.Context, dir string, opened uint64, interval time.Duration) {
	seen := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
		if seen {
			s.db.EnableCompactions()
			s.logger.Debug("TSDB compactions enabled: the head has its first chunk file")
			return
		}
		seen = headChunkFiles(dir) > opened
	}
}

func chunksHeadDir(tsdbDir string) string { return filepath.Join(tsdbDir, "chunks_head") }
