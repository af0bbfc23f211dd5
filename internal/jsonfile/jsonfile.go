// Package jsonfile keeps the daemon's small persisted states (the policy state, the exclusions) as versioned JSON
// files: read with a check of the format's version, written atomically (internal/atomicfile). It knows nothing
// of what the files hold.
package jsonfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
)

// Format is one kind of state file: a JSON object whose "version" field comes first, followed by the fields of
// a T. A file of another version is refused rather than misread.
type Format[T any] struct {
	// What names the file in errors; Hint says there how to get out of a file that cannot be parsed.
	What, Hint string
	Version    int
}

// Load reads the file at path once its "version" field is the format's. found is false for a missing file (st
// is then the zero T): a first start.
func (f Format[T]) Load(path string) (st T, found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("couldn't read the %s: %w", f.What, err)
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return st, true, fmt.Errorf("couldn't parse the %s %s: %w (%s)", f.What, path, err, f.Hint)
	}
	if head.Version != f.Version {
		return st, true, fmt.Errorf("%s %s has version %d, this slokeeper reads version %d", f.What, path, head.Version, f.Version)
	}
	if err := json.Unmarshal(b, &st); err != nil { // "version" is no field of T: left out
		return st, true, fmt.Errorf("couldn't parse the %s %s: %w (%s)", f.What, path, err, f.Hint)
	}
	return st, true, nil
}

// Save writes st to path as indented JSON, atomically: {"version": …, then st's fields}.
func (f Format[T]) Save(path string, st T) error {
	fields, err := json.Marshal(st)
	if err == nil && (len(fields) < 2 || fields[0] != '{') {
		err = fmt.Errorf("a %T is not a JSON object", st)
	}
	if err != nil {
		return fmt.Errorf("couldn't encode the %s: %w", f.What, err)
	}
	obj := fmt.Appendf(nil, `{"version":%d`, f.Version)
	if len(fields) > 2 { // not {}
		obj = append(obj, ',')
	}
	obj = append(obj, fields[1:]...)
	var b bytes.Buffer
	if err := json.Indent(&b, obj, "", "  "); err != nil {
		return fmt.Errorf("couldn't encode the %s: %w", f.What, err)
	}
	b.WriteByte('\n')
	if err := atomicfile.WriteFile(path, b.Bytes()); err != nil {
		return fmt.Errorf("couldn't save the %s: %w", f.What, err)
	}
	return nil
}
