package jsonfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testState struct {
	Names map[string]string `json:"names,omitempty"`
	Last  int64             `json:"last"`
	At    time.Time         `json:"at"`
	Note  string            `json:"note"`
}

// The file is what encoding/json makes of a struct that embeds the state after its version: the version first,
// then the state's fields in their order, indented, with a final newline.
func TestSaveLoad(t *testing.T) {
	f := Format[testState]{What: "test state", Hint: "move it away", Version: 3}
	path := filepath.Join(t.TempDir(), "state.json")

	st, found, err := f.Load(path)
	require.NoError(t, err)
	require.False(t, found, "a missing file is a first start")
	require.Equal(t, testState{}, st)

	st = testState{Names: map[string]string{"b": "<2>", "a": "1"}, Last: 7, At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Note: "a & b"}
	require.NoError(t, f.Save(path, st))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want, err := json.MarshalIndent(struct {
		Version int `json:"version"`
		testState
	}{3, st}, "", "  ")
	require.NoError(t, err)
	require.Equal(t, string(want)+"\n", string(got))

	back, found, err := f.Load(path)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, st, back)

	empty := Format[struct{}]{What: "empty", Version: 1}
	require.NoError(t, empty.Save(path, struct{}{}))
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "{\n  \"version\": 1\n}\n", string(got))
}

func TestLoadRefuses(t *testing.T) {
	f := Format[testState]{What: "test state", Hint: "move it away", Version: 1}
	path := filepath.Join(t.TempDir(), "state.json")
	for _, tc := range []struct{ content, want string }{
		{`{"version": 2, "last": 1}`, "test state " + path + " has version 2, this slokeeper reads version 1"},
		{`{"version": 1, "last": "x"}`, "couldn't parse the test state " + path + ": "},
		{`not json`, "(move it away)"},
	} {
		require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
		_, found, err := f.Load(path)
		require.True(t, found)
		require.ErrorContains(t, err, tc.want, tc.content)
	}
	require.ErrorContains(t, Format[int]{What: "number"}.Save(path, 1), "couldn't encode the number: a int is not a JSON object")
}
