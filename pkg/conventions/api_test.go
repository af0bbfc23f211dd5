package conventions_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// The path builders produce paths the route patterns match, with the value back intact however odd it is.
func TestPathBuildersMatchTheirRoutes(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		build         func(string) string
	}{
		{conventions.PathGate, "service", conventions.GatePath},
		{conventions.PathFreeze, "service", conventions.FreezePath},
		{conventions.PathWithdraw, "id", conventions.WithdrawPath},
	} {
		for _, value := range []string{"payments", "a/b c?d#e%f", "ünïcode"} {
			mux := http.NewServeMux()
			var got string
			mux.HandleFunc(tc.pattern, func(_ http.ResponseWriter, r *http.Request) { got = r.PathValue(tc.name) })
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.build(value), nil))
			require.Equal(t, http.StatusOK, rec.Code, "%s does not route %q", tc.pattern, tc.build(value))
			require.Equal(t, value, got, tc.pattern)
		}
	}
}
