// Package exclusion keeps the daemon's ad hoc exclusions: stretches of time whose events do not count for an SLO
// (an unplanned load test, a known-bad scrape, an outage of a dependency already paid for elsewhere), created and
// withdrawn through the admin API with who and why, and kept with that audit trail across restarts in one JSON
// file beside the policy state.
//
// It also keeps what makes an exclusion retroactive. An exclusion that starts after the daemon learnt of it is
// applied by the rules as it comes. One whose start had passed (created for the past, a spec exclusion first seen
// after its start, a withdrawal of one that had begun) changes what should have been recorded: the SLO's history
// must be recorded again. The daemon cannot rewrite samples in place (see pkg/generate's revision), so every such
// change moves the SLO's History, a digest that enters its revision: a new revision is backfilled over the
// lookback by rules that hold the exclusions, as a new SLO is. History is persisted too, so that a restart does
// not record the history again.
//
// The package owns the records, their checks and their file. It must not know HTTP, the rules or the TSDB: the
// daemon (internal/app) serves the records and turns them into rules.
package exclusion

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/slokeeper/slokeeper/pkg/slo"
)

// Horizon is how long after its end an exclusion still counts: it is applied by the rules (no period is longer)
// and counts against MaxExclusions per SLO. Older ones are audit records only.
const Horizon = 100 * 24 * time.Hour

// MaxRecords bounds the file: beyond it, the oldest records that ended before the Horizon are dropped.
const MaxRecords = 10000

// Sources of an exclusion.
const (
	SourceSpec = "spec" // declared in a spec file
	SourceAPI  = "api"  // created through the admin API
)

// Errors of Add and Withdraw, for the API's status codes.
var (
	// ErrInvalid wraps a request the book refuses: the message says what to change.
	ErrInvalid = errors.New("invalid exclusion")
	// ErrNotSaved wraps a failure to persist: nothing changed.
	ErrNotSaved = errors.New("couldn't save the exclusions")
)

// Book is the set of ad hoc exclusions and the SLOs' histories, persisted in a Store. It is safe for concurrent
// use.
type Book struct {
	mu    sync.Mutex
	store Store
	state State
}

// Open reads the book kept at path (a missing file is an empty book).
func Open(path string) (*Book, error) {
	st := Store{Path: path}
	s, err := st.Load()
	if err != nil {
		return nil, err
	}
	return &Book{store: st, state: s}, nil
}

// Add checks e (From, To, Reason, Approver; Service and SLO name a loaded SLO, which the caller checked), gives
// it an ID and its creation time now, and saves it. A From in the past makes it retroactive: the SLO's history
// moves. Errors wrap ErrInvalid or ErrNotSaved.
func (b *Book) Add(e Exclusion, now time.Time) (Exclusion, error) {
	now = now.UTC()
	e.From, e.To = e.From.UTC(), e.To.UTC()
	if err := check(e); err != nil {
		return Exclusion{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.counted(e.Service, e.SLO, now)); n >= slo.MaxExclusions {
		return Exclusion{}, fmt.Errorf("%w: %s/%s has %d exclusions in force or ended within %s, at most %d: withdraw one that no longer matters",
			ErrInvalid, e.Service, e.SLO, n, days(Horizon), slo.MaxExclusions)
	}
	next := b.state
	next.Exclusions = slices.Clone(b.state.Exclusions)
	next.Histories = cloneMap(b.state.Histories)
	next.LastID++
	e.ID, e.Created, e.Withdrawn = strconv.FormatInt(next.LastID, 10), now, nil
	next.Exclusions = append(next.Exclusions, e)
	if e.From.Before(now) {
		next.move(e.Service, e.SLO, "add "+e.ID)
	}
	next.prune(now)
	if err := b.store.Save(next); err != nil {
		return Exclusion{}, fmt.Errorf("%w: %v", ErrNotSaved, err)
	}
	b.state = next
	return e, nil
}

// Withdraw ends exclusion id at now, by who for reason. found is false for an unknown id. Withdrawing one that
// had begun is retroactive. Errors wrap ErrInvalid or ErrNotSaved.
func (b *Book) Withdraw(id, who, reason string, now time.Time) (_ Exclusion, found bool, _ error) {
	now = now.UTC()
	if err := slo.CheckExclusionText("who withdraws it", who); err != nil {
		return Exclusion{}, true, fmt.Errorf("%w: who: %v", ErrInvalid, err)
	}
	if err := slo.CheckExclusionText("why it no longer applies", reason); err != nil {
		return Exclusion{}, true, fmt.Errorf("%w: reason: %v", ErrInvalid, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.state.Exclusions, func(e Exclusion) bool { return e.ID == id })
	if i < 0 {
		return Exclusion{}, false, nil
	}
	if w := b.state.Exclusions[i].Withdrawn; w != nil {
		return Exclusion{}, true, fmt.Errorf("%w: exclusion %s was withdrawn at %s by %s", ErrInvalid, id, w.At.Format(time.RFC3339), w.Who)
	}
	next := b.state
	next.Exclusions = slices.Clone(b.state.Exclusions)
	next.Histories = cloneMap(b.state.Histories)
	e := next.Exclusions[i]
	e.Withdrawn = &Withdrawal{At: now, Who: who, Reason: reason}
	next.Exclusions[i] = e
	if e.From.Before(now) {
		next.move(e.Service, e.SLO, "withdraw "+e.ID)
	}
	if err := b.store.Save(next); err != nil {
		return Exclusion{}, true, fmt.Errorf("%w: %v", ErrNotSaved, err)
	}
	b.state = next
	return e, true, nil
}

// List returns every record, the newest first.
func (b *Book) List() []Exclusion {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.state.Exclusions)
	slices.Reverse(out)
	return out
}

// Applied returns the exclusions of service/name the rules apply at now: not withdrawn, not ended before the
// Horizon; sorted by start.
func (b *Book) Applied(service, name string, now time.Time) []Exclusion {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counted(service, name, now)
}

// Merged returns the exclusions of s and the ad hoc ones Applied at now, sorted by start, in a new slice.
func (b *Book) Merged(s *slo.SLO, now time.Time) []slo.Exclusion {
	out := slices.Clone(s.Exclusions)
	for _, e := range b.Applied(s.Service, s.Name, now) {
		out = append(out, slo.Exclusion{From: e.From, To: e.To, Reason: e.Reason, Approver: e.Approver, ID: e.ID})
	}
	slices.SortStableFunc(out, func(x, y slo.Exclusion) int { return x.From.Compare(y.From) })
	return out
}

// History names the recorded history of the SLO service/name: empty until an exclusion of it is retroactive.
func (b *Book) History(service, name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state.Histories[slo.ID(service, name)]
}

// ObserveSpecs notes the first sight of the spec exclusions of slos at now; one whose start had passed moves its
// SLO's history. The sightings of exclusions no longer in any spec are forgotten (declared again, one is seen
// anew). It saves when something changed; on a failure the book keeps the change in memory and returns the
// error (the next save writes it).
func (b *Book) ObserveSpecs(slos []*slo.SLO, now time.Time) error {
	now = now.UTC()
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := make(map[string]time.Time, len(b.state.Seen))
	changed := false
	for _, s := range slos {
		for _, e := range s.Exclusions {
			k := specKey(s, e)
			if at, ok := b.state.Seen[k]; ok {
				seen[k] = at
				continue
			}
			seen[k], changed = now, true
			if e.From.Before(now) {
				if b.state.Histories == nil {
					b.state.Histories = map[string]string{}
				}
				b.state.move(s.Service, s.Name, "spec "+k)
			}
		}
	}
	changed = changed || len(seen) != len(b.state.Seen)
	b.state.Seen = seen
	if !changed {
		return nil
	}
	if err := b.store.Save(b.state); err != nil {
		return fmt.Errorf("%w: %v", ErrNotSaved, err)
	}
	return nil
}

func (b *Book) counted(service, name string, now time.Time) []Exclusion {
	var out []Exclusion
	for _, e := range b.state.Exclusions {
		if e.Service == service && e.SLO == name && e.Withdrawn == nil && e.To.After(now.Add(-Horizon)) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Exclusion) int { return a.From.Compare(b.From) })
	return out
}

// move gives the SLO's history a new name, from the old one and what changed.
func (s *State) move(service, name, what string) {
	id := slo.ID(service, name)
	sum := sha256.Sum256([]byte(s.Histories[id] + "\n" + what))
	s.Histories[id] = hex.EncodeToString(sum[:8])
}

// prune drops the oldest records that ended before the Horizon while there are more than MaxRecords.
func (s *State) prune(now time.Time) {
	for len(s.Exclusions) > MaxRecords {
		i := slices.IndexFunc(s.Exclusions, func(e Exclusion) bool { return !e.To.After(now.Add(-Horizon)) })
		if i < 0 {
			return
		}
		s.Exclusions = slices.Delete(s.Exclusions, i, i+1)
	}
}

func check(e Exclusion) error {
	if e.From.IsZero() || e.To.IsZero() {
		return fmt.Errorf("%w: from and to must be set", ErrInvalid)
	}
	f, t := e.From.Format(time.RFC3339), e.To.Format(time.RFC3339)
	if err := slo.CheckExclusionSpan(e.From, e.To, f, t); err != nil {
		return fmt.Errorf("%w: to: %v", ErrInvalid, err)
	}
	if err := slo.CheckExclusionText("a reason (the change or incident, with a link)", e.Reason); err != nil {
		return fmt.Errorf("%w: reason: %v", ErrInvalid, err)
	}
	if err := slo.CheckExclusionText("who approved it", e.Approver); err != nil {
		return fmt.Errorf("%w: approver: %v", ErrInvalid, err)
	}
	return nil
}

// specKey identifies a spec exclusion by its SLO and its window.
func specKey(s *slo.SLO, e slo.Exclusion) string {
	return s.ID() + " " + e.From.UTC().Format(time.RFC3339) + " " + e.To.UTC().Format(time.RFC3339)
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	maps.Copy(out, m)
	return out
}

func days(d time.Duration) string { return strconv.Itoa(int(d/(24*time.Hour))) + "d" }
