package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// readFile reads one spec file, which must be a regular file of at most
// MaxFileSize bytes. It stats the path before opening it, so that a FIFO
// (whose open blocks until a writer comes, and with it every later reload of
// the daemon) or a device (/dev/zero never ends; opening some devices has
// effects) is never opened; it opens without blocking and checks again, in
// case the path changed in between; and it reads through a limit, so that a
// file growing while it is read stops at the limit too.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if err := readable(fi); err != nil {
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
	if err := readable(fi); err != nil {
		return nil, err
	}
	return readAtMost(f, fi.Size(), MaxFileSize)
}

// readAtMost reads r to its end, expecting about size bytes, and fails when
// it holds more than limit: it never reads more than limit+1 bytes.
func readAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(size, limit)) + bytes.MinRead) // one read to the end, as os.ReadFile
	if _, err := b.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, unwrapPathError(err)
	}
	if int64(b.Len()) > limit {
		return nil, fmt.Errorf("grew over the limit of %d bytes of a spec file while it was read: %s", limit, splitAdvice)
	}
	return b.Bytes(), nil
}

// readable refuses what is not a regular file, or is over MaxFileSize.
func readable(fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return errors.New("is a directory, not a spec file: list the files in it (e.g. dir/*.yaml)")
		}
		return fmt.Errorf("is %s, not a regular file: spec files must be regular files", kindOf(fi.Mode()))
	}
	if fi.Size() > MaxFileSize {
		return tooLarge(fi.Size())
	}
	return nil
}

// splitAdvice is what to do with a file over MaxFileSize.
const splitAdvice = "split its SLOs into files of their own"

// tooLarge refuses a file of size bytes, over MaxFileSize.
func tooLarge(size int64) error {
	return fmt.Errorf("is %d bytes, over the limit of %d bytes (%d MiB) of a spec file: %s", size, MaxFileSize, MaxFileSize>>20, splitAdvice)
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
