package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// What `make check-generated` does not see: the flag stays out of the help, and the page escapes what Markdown
// would eat (an HTML-like <service> in a help text) while --flags stay whole.
func TestWriteDocumentation(t *testing.T) {
	code, page, errOut := runCLI(t, "--write-documentation")
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut)
	require.True(t, strings.HasPrefix(page, "# `slokeeper` command line\n"))
	require.Contains(t, page, "\n### `slokeeper exclude withdraw`\n")
	require.Contains(t, page, "POST /api/v1/freeze/&lt;service&gt;")
	require.Contains(t, page, "(started with `--web.enable-admin-api`)")
	require.False(t, strings.Contains(page, "`--write-documentation` |"), "the hidden flag has no row")

	for _, args := range [][]string{{"--help"}, {"--help-long"}} {
		code, out, _ := runCLI(t, args...)
		require.Equal(t, 0, code)
		require.False(t, strings.Contains(out, "write-documentation"), "the flag is hidden from %v", args)
	}
}
