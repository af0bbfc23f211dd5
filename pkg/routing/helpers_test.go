package routing_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	c "github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/routing"
)

// daemonConfig stands for the daemon's config file, which embeds the
// escalation config under `escalation:`.
type daemonConfig struct {
	Escalation routing.Config `yaml:"escalation"`
}

// decode decodes a daemon config holding an escalation block.
func decode(data []byte) (routing.Config, error) {
	var doc daemonConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&doc)
	return doc.Escalation, err
}

// sample is the escalation config of testdata/escalation.yaml (top level).
func sample(t *testing.T) routing.Config {
	t.Helper()
	data, err := os.ReadFile("../../testdata/escalation.yaml")
	require.NoError(t, err)
	cfg, err := decode(data)
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	return cfg
}

// complete renders cfg as a complete alertmanager.yml and parses it with
// Alertmanager's config.Load.
func complete(t *testing.T, cfg routing.Config) (*config.Config, []byte) {
	t.Helper()
	f, err := routing.Generate(cfg)
	require.NoError(t, err)
	out, err := f.RenderComplete()
	require.NoError(t, err)
	parsed, err := routing.Validate(out)
	require.NoError(t, err)
	return parsed, out
}

// route returns the receivers Alertmanager's route tree sends lset to.
func route(cfg *config.Config, lset model.LabelSet) []string {
	var out []string
	for _, r := range dispatch.NewRoute(cfg.Route, nil).Match(lset) {
		out = append(out, r.RouteOpts.Receiver)
	}
	return out
}

// alert builds the label set of a slokeeper alert. Severity follows the
// tier as slokeeper's defaults do.
func alert(name, owner, service, layer, tier, sloName string) model.LabelSet {
	ls := model.LabelSet{
		model.AlertNameLabel: model.LabelValue(name),
		c.LabelOwner:         model.LabelValue(owner),
		c.LabelService:       model.LabelValue(service),
		c.LabelLayer:         model.LabelValue(layer),
	}
	if tier != "" {
		ls[c.LabelTier] = model.LabelValue(tier)
		ls[c.LabelSeverity] = c.DefaultTicketSeverity
		if tier == c.TierPage {
			ls[c.LabelSeverity] = c.DefaultPageSeverity
		}
	}
	if sloName != "" {
		ls[c.LabelSLO] = model.LabelValue(sloName)
	}
	return ls
}
