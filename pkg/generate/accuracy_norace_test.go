//go:build !race

package generate_test

// raceEnabled: see accuracy_race_test.go.
const raceEnabled = false
