package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/config"
)

// FuzzParse checks that any input either loads or fails with located
// errors, and never panics.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yml"))
	require.NoError(f, err)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse("fuzz.yml", data)
		if err == nil {
			require.NotNil(t, c)
			require.NotEmpty(t, c.Specs)
			_ = c.String()
			return
		}
		var errs config.Errors
		require.True(t, errors.As(err, &errs), "%T: %v", err, err)
		require.NotEmpty(t, errs)
		for _, e := range errs {
			require.Equal(t, "fuzz.yml", e.File)
			require.GreaterOrEqual(t, e.Line, 0)
			require.NotEmpty(t, e.Msg)
		}
	})
}
