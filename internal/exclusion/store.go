package exclusion

import (
	"fmt"
	"time"

	"github.com/slokeeper/slokeeper/internal/jsonfile"
)

// FileName is the book's file in the daemon's storage directory, beside the policy state.
const FileName = "exclusions.json"

// stateFormat is the file's format.
var stateFormat = jsonfile.Format[State]{
	What: "exclusions", Hint: "fix it, or move it away to start without ad hoc exclusions", Version: 1,
}

// State is what the file holds.
type State struct {
	// Exclusions are the ad hoc exclusions, oldest first, withdrawn ones included: the audit trail.
	Exclusions []Exclusion `json:"exclusions"`
	// LastID is the ID given last: IDs are never reused.
	LastID int64 `json:"last_id"`
	// Seen is when the daemon first saw each spec exclusion (by SLO id, from and to).
	Seen map[string]time.Time `json:"seen_in_specs,omitempty"`
	// Histories names each SLO's recorded history (by SLO id), moved by every retroactive change.
	Histories map[string]string `json:"histories,omitempty"`
}

// Store persists a State in one JSON file, written atomically.
type Store struct {
	Path string
}

// Load reads the file. A missing file is an empty state; one that cannot be read or parsed is an error that
// says how to start over: starting from nothing would drop exclusions and record histories again.
func (s Store) Load() (State, error) {
	f, _, err := stateFormat.Load(s.Path)
	if err != nil {
		return State{}, err
	}
	for i, e := range f.Exclusions {
		if e.ID == "" || e.Service == "" || e.SLO == "" {
			return State{}, fmt.Errorf("exclusions %s: exclusions[%d] needs an id, a service and an slo (fix it, or move the file away)", s.Path, i)
		}
		if err := check(e); err != nil {
			return State{}, fmt.Errorf("exclusions %s: exclusions[%d] (id %s): %w", s.Path, i, e.ID, err)
		}
	}
	if f.Histories == nil {
		f.Histories = map[string]string{}
	}
	return f, nil
}

// Save writes st atomically.
func (s Store) Save(st State) error {
	return stateFormat.Save(s.Path, st)
}
