// Package jsonfile keeps the daemon's small persisted states (the policy state, the exclusions) as versioned JSON
// files: read with a check of the format's version, written atomically (internal/atomicfile). It knows nothing
// of what the files hold.
package jsonfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
)

// Load reads the file at path into v once its "version" field is version. what names the file in errors and
// hint says there how to get out of a file that cannot be parsed. found is false for a missing file (v is left
// alone): a first start.
func Load(path, what, hint string, version int, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("couldn't read the %s: %w", what, err)
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return true, fmt.Errorf("couldn't parse the %s %s: %w (%s)", what, path, err, hint)
	}
	if head.Version != version {
		return true, fmt.Errorf("%s %s has version %d, this slokeeper reads version %d", what, path, head.Version, version)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("couldn't parse the %s %s: %w (%s)", what, path, err, hint)
	}
	return true, nil
}

// Save writes v as indented JSON to path, atomically.
func Save(path, what string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("couldn't encode the %s: %w", what, err)
	}
	if err := atomicfile.WriteFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("couldn't save the %s: %w", what, err)
	}
	return nil
}
