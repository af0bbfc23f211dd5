package v1

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		n    float64
		want string
	}{
		{0.25, "0.25"}, {-3, "-3"}, {1e21, "1e+21"}, {1.0 / 3, "0.3333333333333333"},
		{math.NaN(), "null"}, {math.Inf(1), "null"}, {math.Inf(-1), "null"},
	} {
		b, err := json.Marshal(Number(tc.n))
		require.NoError(t, err)
		require.Equal(t, tc.want, string(b))
		var back Number
		require.NoError(t, json.Unmarshal(b, &back))
		if tc.want == "null" {
			require.True(t, math.IsNaN(float64(back)), "null reads back as NaN")
		} else {
			require.Equal(t, tc.n, float64(back))
		}
	}
	var n Number
	require.Error(t, json.Unmarshal([]byte(`"1"`), &n))
}
