package policy

import (
	"fmt"

	"github.com/slokeeper/slokeeper/internal/jsonfile"
)

// stateFormat is the persisted state's file format.
var stateFormat = jsonfile.Format[State]{
	What: "policy state", Hint: "move it away to start from an empty state: every service unfrozen", Version: 1,
}

// Store persists the state in one JSON file, written atomically: a crash or a full disk leaves the previous
// state, never a part.
type Store struct {
	Path string
}

// Load reads the persisted state. A missing file is an empty state (a first start); a file that cannot be read
// or parsed, or that holds a wrong state (see State.Validate), is an error: starting from nothing would unfreeze
// frozen services.
func (s Store) Load() (State, error) {
	f, found, err := stateFormat.Load(s.Path)
	if err != nil {
		return State{}, err
	}
	if !found || f.Services == nil {
		f.Services = map[string]*Service{}
	}
	// Valid JSON can still be a wrong state (a null entry, an unknown status): refused here, it is an error that
	// names the entry; let through, it would be a panic in the deploy gate later.
	if err := f.Validate(); err != nil {
		return State{}, fmt.Errorf("policy state %s: %w", s.Path, err)
	}
	for name, svc := range f.Services {
		if svc.Service == "" {
			svc.Service = name // see Validate: an empty name stands for the key
		}
	}
	return f, nil
}

// Save writes st atomically.
func (s Store) Save(st State) error {
	return stateFormat.Save(s.Path, st)
}
