package routing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/featurecontrol"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"go.yaml.in/yaml/v3"
)

var initMatchers sync.Once

// initCompat sets Alertmanager's matcher parsing to what its binary does by
// default (UTF-8 matchers, falling back to classic ones); without it
// config.Load parses matchers in classic mode.
func initCompat() {
	initMatchers.Do(func() {
		compat.InitFromFlags(promslog.NewNopLogger(), featurecontrol.NoopFlags{})
	})
}

// Validate checks a complete alertmanager.yml with Alertmanager's own
// config.Load, as the Alertmanager binary checks its config file, and
// returns the parsed config.
func Validate(data []byte) (*config.Config, error) {
	initCompat()
	cfg, err := config.Load(string(data))
	if err != nil {
		return nil, fmt.Errorf("alertmanager rejects the config: %w", err)
	}
	return cfg, nil
}

// fragmentRoot is the receiver of the top route ValidateFragment wraps a
// fragment in.
const fragmentRoot = "slokeeper-fragment-check-root"

// ValidateFragment checks a fragment as RenderFragment writes it
// ({route, receivers, inhibit_rules}) by embedding its route as the only
// child of a minimal top route and validating the result. It returns the
// parsed config of that wrapper.
func ValidateFragment(data []byte) (*config.Config, error) {
	var frag struct {
		Route        yaml.Node   `yaml:"route"`
		Receivers    []yaml.Node `yaml:"receivers"`
		InhibitRules []yaml.Node `yaml:"inhibit_rules"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&frag); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("couldn't parse the fragment: %w", err)
	}
	if frag.Route.Kind != yaml.MappingNode {
		return nil, errors.New("the fragment has no route: it needs route, receivers and inhibit_rules")
	}

	top := mapping()
	add(top, "receiver", str(fragmentRoot))
	add(top, "routes", sequence(false, &frag.Route))
	rcvs := sequence(false)
	for i := range frag.Receivers {
		rcvs.Content = append(rcvs.Content, &frag.Receivers[i])
	}
	root := mapping()
	add(root, "name", str(fragmentRoot))
	rcvs.Content = append(rcvs.Content, root)
	rules := sequence(false)
	for i := range frag.InhibitRules {
		rules.Content = append(rules.Content, &frag.InhibitRules[i])
	}
	doc := mapping()
	add(doc, "route", top)
	add(doc, "receivers", rcvs)
	add(doc, "inhibit_rules", rules)

	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("couldn't embed the fragment: %w", err)
	}
	return Validate(out)
}

// Receivers returns the receivers an alert with labels lset reaches in cfg,
// in order, using Alertmanager's route tree as `amtool config routes test`
// does (continue is honoured).
func Receivers(cfg *config.Config, lset model.LabelSet) []string {
	var out []string
	for _, r := range dispatch.NewRoute(cfg.Route, nil).Match(lset) {
		out = append(out, r.RouteOpts.Receiver)
	}
	return out
}
