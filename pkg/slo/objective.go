package slo

import (
	"fmt"
	"math/big"
	"strconv"
)

// Objective is the target share of good events, kept both as the literal
// percentage the user wrote and as exact ratios, so that 99.9 gives an error
// budget of exactly 0.001 rather than 0.000999999999999943.
type Objective struct {
	Percent string  // as written, e.g. "99.9"
	Ratio   float64 // 0.999
	Budget  float64 // 1 - Ratio, computed exactly: 0.001
}

// ParseObjective parses a percentage strictly between 0 and 100.
func ParseObjective(s string) (Objective, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Objective{}, fmt.Errorf("must be a number of percent, got %q", s)
	}
	hundred := big.NewRat(100, 1)
	if r.Sign() <= 0 || r.Cmp(hundred) >= 0 {
		return Objective{}, fmt.Errorf("must be in (0,100), got %s", s)
	}
	ratio := new(big.Rat).Quo(r, hundred)
	budget := new(big.Rat).Sub(big.NewRat(1, 1), ratio)
	rf, _ := ratio.Float64()
	bf, _ := budget.Float64()
	return Objective{Percent: canonicalPercent(r), Ratio: rf, Budget: bf}, nil
}

// MustObjective is ParseObjective for literals in tests and examples.
func MustObjective(s string) Objective {
	o, err := ParseObjective(s)
	if err != nil {
		panic(err)
	}
	return o
}

func canonicalPercent(r *big.Rat) string {
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}
