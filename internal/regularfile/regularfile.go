// Package regularfile reads the files a user names (spec files, the config file) safely: only regular files, and
// only up to a size limit. It stats a path before opening it, so that a FIFO (whose open blocks until a writer
// comes, and with it every later reload of the daemon) or a device (/dev/zero never ends; opening some devices has
// effects) is never opened; it opens without blocking and checks again, in case the path changed in between; and
// it reads through a limit, so that a file growing while it is read stops at the limit too. It knows nothing of
// what the files hold.
package regularfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Kind describes the files read, for the limit and the messages.
type Kind struct {
	// Name is what one such file is called, e.g. "spec file".
	Name string
	// Limit is the largest file, in bytes.
	Limit int64
	// DirHint says what to do instead of naming a directory, e.g. "list the files in it (e.g. dir/*.yaml)".
	DirHint string
	// TooLargeHint says what to do with a file over Limit.
	TooLargeHint string
}

// Read reads path, which must be a regular file of at most k.Limit bytes. Its errors name no path: the caller's
// message does.
func (k Kind) Read(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if err := k.readable(fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, unwrapPathError(err)
	}
	if err := k.readable(fi); err != nil {
		return nil, err
	}
	return k.ReadAtMost(f, fi.Size())
}

// ReadAtMost reads r to its end, expecting about size bytes, and fails when it holds more than k.Limit: it never
// reads more than k.Limit+1 bytes.
func (k Kind) ReadAtMost(r io.Reader, size int64) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(size, k.Limit)) + bytes.MinRead) // one read to the end, as os.ReadFile
	if _, err := b.ReadFrom(io.LimitReader(r, k.Limit+1)); err != nil {
		return nil, unwrapPathError(err)
	}
	if int64(b.Len()) > k.Limit {
		return nil, fmt.Errorf("grew over the limit of %d bytes of a %s while it was read: %s", k.Limit, k.Name, k.TooLargeHint)
	}
	return b.Bytes(), nil
}

// TooLarge is the error for content of size bytes, over k.Limit.
func (k Kind) TooLarge(size int64) error {
	return fmt.Errorf("is %d bytes, over the limit of %d bytes (%d MiB) of a %s: %s", size, k.Limit, k.Limit>>20, k.Name, k.TooLargeHint)
}

// readable refuses what is not a regular file, or is over k.Limit.
func (k Kind) readable(fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("is a directory, not a %s: %s", k.Name, k.DirHint)
		}
		return fmt.Errorf("is %s, not a regular file: %ss must be regular files", kindOf(fi.Mode()), k.Name)
	}
	if fi.Size() > k.Limit {
		return k.TooLarge(fi.Size())
	}
	return nil
}

// kindOf names the type of a file that is not regular.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return fmt.Sprintf("a file of type %q", m.Type().String())
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
