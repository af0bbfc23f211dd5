package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Set writes several files as one change: each is written to a temporary
// file beside its target and synced, and Commit renames them all into place
// only once every one of them was written. Until then no target changes;
// Abort removes the temporary files. Each rename is atomic, the set as a
// whole is not: a crash during Commit leaves some targets new and some old.
type Set struct {
	files   []*File
	syncing sync.WaitGroup
	slots   chan struct{} // bounds the files synced at once
}

// concurrentSyncs is how many files are synced at once: a disk takes many
// flushes together in about the time of one.
const concurrentSyncs = 16

// File is one file of a Set being written.
type File struct {
	set  *Set
	path string
	tmp  *os.File
	err  error // of the writes and Close; read by Commit after the syncs
	done bool  // closed without error
}

// Create starts the file that will replace path on Commit.
func (s *Set) Create(path string) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	f := &File{set: s, path: path, tmp: tmp}
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

// Close starts syncing and closing the temporary file in the background;
// Commit waits for that, then renames it. The error is that of the writes;
// Commit reports a failed sync.
func (f *File) Close() error {
	if f.err == nil {
		f.err = f.tmp.Chmod(0o644)
	}
	if f.err != nil {
		return f.err
	}
	f.done = true
	f.set.finish(f)
	return nil
}

// finish syncs and closes f's temporary file, without blocking the writer.
func (s *Set) finish(f *File) {
	if s.slots == nil {
		s.slots = make(chan struct{}, concurrentSyncs)
	}
	s.syncing.Go(func() {
		s.slots <- struct{}{}
		defer func() { <-s.slots }()
		if f.err == nil {
			f.err = f.tmp.Sync()
		}
		if err := f.tmp.Close(); f.err == nil {
			f.err = err
		}
	})
}

// Commit waits for every file to be synced, then renames them into place.
// Every file must have been closed without error.
func (s *Set) Commit() error {
	s.syncing.Wait()
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
	return nil
}

// Abort removes the temporary files of every file not yet committed.
func (s *Set) Abort() {
	s.syncing.Wait()
	for _, f := range s.files {
		_ = f.tmp.Close() // closing twice only returns an error
		_ = os.Remove(f.tmp.Name())
	}
	s.files = nil
}
