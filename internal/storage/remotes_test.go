package storage

import (
	"testing"

	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

// Each endpoint is there on its own too, with its external-label filter and without it: a remote whose series
// lack the daemon's external labels answers nothing through the first and everything through the second.
func TestRemotesWithAndWithoutFilter(t *testing.T) {
	remoteStore := openStorage(t)
	srv := serveRemoteRead(t, remoteStore, labels.EmptyLabels()) // a Prometheus without external labels
	appendUp(t, remoteStore.Appendable(), "remote", 1)
	ext := labels.FromStrings("cluster", "eu1")

	named := readConfig(t, srv)
	named.Name = "prom"
	unfiltered := readConfig(t, srv)
	unfiltered.FilterExternalLabels = false
	local := openStorage(t)
	require.NoError(t, local.ApplyRemoteRead([]*config.RemoteReadConfig{named, unfiltered}, ext))
	rs := local.Remotes()
	require.Len(t, rs, 2)
	require.Equal(t, `remote read "prom"`, rs[0].String())
	require.Equal(t, "remote read "+srv.URL+"/api/v1/read", rs[1].String())
	require.Equal(t, ext, rs[0].FilterLabels)
	require.True(t, rs[1].FilterLabels.IsEmpty())
	require.Nil(t, rs[1].Unfiltered(), "nothing to compare with when it does not filter")

	require.Empty(t, byLabels(t, query(t, rs[0].Queryable(), `up`)))
	require.Equal(t, map[string]float64{`{__name__="up", job="remote"}`: 1}, byLabels(t, query(t, rs[0].Unfiltered(), `up`)))
	require.Len(t, byLabels(t, query(t, rs[1].Queryable(), `up`)), 1)

	// Without a TSDB (slokeeper check): the same endpoints, merged.
	standalone, err := OpenRemoteRead([]*config.RemoteReadConfig{named}, ext)
	require.NoError(t, err)
	defer standalone.Close()
	require.Empty(t, byLabels(t, query(t, standalone.Queryable(), `up`)))
	both, err := OpenRemoteRead([]*config.RemoteReadConfig{named, unfiltered}, ext)
	require.NoError(t, err)
	defer both.Close()
	require.Len(t, both.Remotes(), 2)
	require.Len(t, byLabels(t, query(t, both.Queryable(), `up`)), 1)
	_, err = OpenRemoteRead([]*config.RemoteReadConfig{named, named}, ext)
	require.ErrorContains(t, err, "duplicate remote read config")
}
