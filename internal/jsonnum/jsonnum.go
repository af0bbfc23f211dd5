// Package jsonnum is the float of slokeeper's JSON outputs (the budget snapshot the API serves, the review
// report): NaN and the infinities, which JSON cannot hold, are written as null, and null reads back as NaN. It
// owns that encoding and must not know which numbers are unknown or what a reader makes of null.
package jsonnum

import (
	"encoding/json"
	"math"
	"strconv"
)

// Number is a float64 that is null in JSON when it is NaN or infinite.
type Number float64

// MarshalJSON writes null for NaN and infinities, and the shortest decimal that reads back as n otherwise.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads null as NaN.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Number(f)
	return nil
}
