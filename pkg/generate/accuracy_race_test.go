//go:build race

package generate_test

// raceEnabled: the race detector slows rule evaluation about eightfold, so
// the accuracy test shrinks as under -short.
const raceEnabled = true
