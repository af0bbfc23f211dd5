package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/slokeeper/slokeeper/internal/leftover"
)

// stagePrefix starts the names of what a Set leaves beside or in a directory while it writes: a staging directory
// ".<dir>.slokeeper-<pid>-<random>" beside the target directory, or, when that cannot be used, temporary files
// ".<name>.slokeeper-<pid>-<random>.tmp" in it. The pid lets CleanStale tell what a crashed run left from what a
// running one is writing.
const stagePrefix = ".slokeeper-"

// StageBeside makes the Set write its files, all of which must be in dir, into a staging directory beside dir
// until Commit: no glob over dir (a ruler's rule_files: rules/*) then ever matches a half-written file, nor one
// that a killed run left behind. When the staging directory cannot be made there (a parent that is not writable,
// or on another file system than dir, across which renames fail), the files are written into dir itself, as
// without StageBeside.
func (s *Set) StageBeside(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	parent := filepath.Dir(abs)
	if !sameDevice(parent, abs) {
		return
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+leftover.Tag(stagePrefix))
	if err != nil {
		return
	}
	s.dir, s.stage = abs, stage
}

// tempFile creates the temporary file of path: in the staging directory, or beside path.
func (s *Set) tempFile(path string) (*os.File, error) {
	if s.stage != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		if filepath.Dir(abs) != s.dir {
			return nil, fmt.Errorf("%s is not in %s, the directory the set stages for", path, s.dir)
		}
		return os.OpenFile(filepath.Join(s.stage, filepath.Base(abs)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	}
	return os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+leftover.Tag(stagePrefix)+"*.tmp")
}

// removeStage removes the staging directory, if any, and what is left in it.
func (s *Set) removeStage() {
	if s.stage != "" {
		_ = os.RemoveAll(s.stage)
		s.stage = ""
	}
}

// CleanStale removes what Sets of processes that no longer run left beside and in dir: staging directories and
// temporary files of a killed or crashed run. It returns what it removed.
func CleanStale(dir string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	removed := leftover.Clean(filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+stagePrefix+"*"), stagePrefix)
	return append(removed, leftover.Clean(filepath.Join(abs, ".*"+stagePrefix+"*.tmp"), stagePrefix)...)
}
