package budget

import (
	"encoding/json"
	"time"
)

// MarshalJSON implements json.Marshaler: slos is [] rather than null when
// empty.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	slos := s.SLOs
	if slos == nil {
		slos = []Status{}
	}
	return json.Marshal(struct {
		Time time.Time `json:"time"`
		SLOs []Status  `json:"slos"`
	}{s.Time, slos})
}
