package spec

import (
	"io"

	"github.com/slokeeper/slokeeper/internal/regularfile"
)

// specFile is how spec files are read: regular files of at most MaxFileSize bytes (see package regularfile).
var specFile = regularfile.Kind{Name: "spec file", Limit: MaxFileSize,
	DirHint: "list the files in it (e.g. dir/*.yaml)", TooLargeHint: "split its SLOs into files of their own"}

// ReadFile reads one spec file, which must be a regular file of at most MaxFileSize bytes, as Load does.
func ReadFile(path string) ([]byte, error) { return specFile.Read(path) }

// readAtMost reads r as a spec file of about size bytes, limited to limit bytes.
func readAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	k := specFile
	k.Limit = limit
	return k.ReadAtMost(r, size)
}

// tooLarge refuses a spec of size bytes, over MaxFileSize.
func tooLarge(size int64) error { return specFile.TooLarge(size) }
