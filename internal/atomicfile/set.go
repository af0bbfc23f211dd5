package atomicfile

import (
	"fmt"
	"os"
)

// Set writes several files as one change: each is written to a temporary
// file beside its target, and Commit renames them all into place only once
// every one of them was written and closed. Until then no target changes;
// Abort removes the temporary files. Each rename is atomic, the set as a
// whole is not: a crash during Commit leaves some targets new and some old.
//
// Unlike WriteFile, a Set does not sync: it is for output that can be made
// again (generated rule files), where a process killed at any point must
// leave old or new files but a power loss may cost a rerun. Syncing 100
// files took longer than rendering them.
type Set struct {
	files []*File
	// dir and stage: see StageBeside.
	dir, stage string
}

// File is one file of a Set being written.
type File struct {
	path string
	tmp  *os.File
	err  error // of the writes and Close
	done bool  // closed without error
}

// Create starts the file that will replace path on Commit.
func (s *Set) Create(path string) (*File, error) {
	tmp, err := s.tempFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{path: path, tmp: tmp}
	s.files = append(s.files, f)
	return f, nil
}

// Write appends p, unbuffered: write large pieces. The first error sticks:
// later writes and Close return it.
func (f *File) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.tmp.Write(p)
	f.err = err
	return n, err
}

// Close closes the temporary file. The error is that of the writes or the
// close; Commit renames the file only if there was none.
func (f *File) Close() error {
	if f.err == nil {
		f.err = f.tmp.Chmod(0o644)
	}
	if err := f.tmp.Close(); f.err == nil {
		f.err = err
	}
	f.done = f.err == nil
	return f.err
}

// Commit renames every file into place. Every file must have been closed
// without error.
func (s *Set) Commit() error {
	for _, f := range s.files {
		if f.err == nil && !f.done {
			f.err = fmt.Errorf("%s was not closed", f.path)
		}
		if f.err != nil {
			s.Abort()
			return f.err
		}
	}
	for i, f := range s.files {
		if err := os.Rename(f.tmp.Name(), f.path); err != nil {
			s.files = s.files[i:]
			s.Abort()
			return err
		}
	}
	s.files = nil
	s.removeStage()
	return nil
}

// Abort removes the temporary files of every file not yet committed.
func (s *Set) Abort() {
	for _, f := range s.files {
		_ = f.tmp.Close() // closing twice only returns an error
		_ = os.Remove(f.tmp.Name())
	}
	s.files = nil
	s.removeStage()
}
