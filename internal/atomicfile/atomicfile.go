// Package atomicfile writes files so that readers see the old content or the new, never a part: a temporary file
// in the same directory, then renamed over the target. WriteFile (the daemon's persisted state, review output)
// syncs before the rename, so a crash, a power loss or a full disk loses nothing that was there; a Set (generated
// rule files, which can be made again) does not, so that only a power loss can cost a rerun. It owns the writing
// and must not know what the bytes are.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile replaces path with data atomically, mode 0644.
func WriteFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
