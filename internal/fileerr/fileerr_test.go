package fileerr

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestFormatAndSort(t *testing.T) {
	for _, tc := range []struct {
		err  Error
		want string
	}{
		{Error{File: "a.yaml", Line: 3, Path: "slos[0].objective", Msg: "must be in (0,100)"}, "a.yaml:3: slos[0].objective: must be in (0,100)"},
		{Error{File: "a.yaml", Path: "specs", Msg: "required"}, "a.yaml: specs: required"},
		{Error{File: "a.yaml", Line: 1, Msg: "invalid YAML"}, "a.yaml:1: invalid YAML"},
		{Error{Path: "specs[2]", Msg: "matches no file"}, "specs[2]: matches no file"},
	} {
		require.Equal(t, tc.want, tc.err.Error())
	}
	es := Errors{
		{File: "b.yaml", Line: 1, Msg: "x"},
		{File: "a.yaml", Line: 9, Msg: "y"},
		{File: "a.yaml", Line: 2, Path: "z", Msg: "second"},
		{File: "a.yaml", Line: 2, Path: "a", Msg: "first"},
	}
	es.Sort()
	require.Equal(t, "a.yaml:2: a: first\na.yaml:2: z: second\na.yaml:9: y\nb.yaml:1: x", es.Error())
}

func TestDescribe(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("a: {x: 1}\nb: [1]\nc: ~\nd: \"it's\"\ne: &v 7\nf: *v\n"), &doc))
	m := doc.Content[0].Content
	quote := func(s string) string { return "«" + s + "»" }
	for i, want := range []string{"a mapping", "a list", "nothing", "«it's»", "«7»", "«7»"} {
		require.Equal(t, want, Describe(m[2*i+1], quote), m[2*i].Value)
	}
	require.Equal(t, "an unexpected node", Describe(&yaml.Node{Kind: yaml.AliasNode}, quote))
	require.Equal(t, "an unexpected node", Describe(&doc, quote))
}
