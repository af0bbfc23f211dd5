package routing

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/slokeeper/slokeeper/pkg/conventions"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// root is the key the escalation config sits under in the daemon's config;
// every message names fields from there.
const root = "escalation"

// DefaultGroupBy is the subtree's group_by when the config sets none: one
// notification per alert kind, service and SLO.
var DefaultGroupBy = []string{string(model.AlertNameLabel), conventions.LabelService, conventions.LabelSLO}

// Config is the escalation config: who receives which of slokeeper's
// alerts. It is the `escalation:` block of the daemon's config. Decoding it
// with yaml.v3 is strict: unknown fields are errors naming their line.
type Config struct {
	// DefaultReceiver receives the alerts of owners without a Teams entry.
	// Required.
	DefaultReceiver string `yaml:"default_receiver"`
	// Teams maps owner label values to the team's receivers.
	Teams map[string]Team `yaml:"teams,omitempty"`
	// Layers adds receivers to the pages of SLOs of a layer (product,
	// service, infrastructure).
	Layers map[slo.Layer]LayerEscalation `yaml:"layers,omitempty"`
	// Freeze says who is told when a service freezes.
	Freeze Freeze `yaml:"freeze,omitempty"`
	// GroupBy is the subtree's group_by; DefaultGroupBy when empty.
	GroupBy []string `yaml:"group_by,omitempty"`
	// GroupWait, GroupInterval and RepeatInterval are the subtree's timings;
	// zero inherits them from the route above.
	GroupWait      model.Duration `yaml:"group_wait,omitempty"`
	GroupInterval  model.Duration `yaml:"group_interval,omitempty"`
	RepeatInterval model.Duration `yaml:"repeat_interval,omitempty"`
}

// Team holds the receivers of one team.
type Team struct {
	// Pager receives the team's pages (slo_tier="page"). Required.
	Pager string `yaml:"pager"`
	// Tickets receives the team's tickets (slo_tier="ticket"); the pager
	// does when it is empty.
	Tickets string `yaml:"tickets,omitempty"`
}

// TicketReceiver is the receiver of the team's tickets.
func (t Team) TicketReceiver() string {
	if t.Tickets != "" {
		return t.Tickets
	}
	return t.Pager
}

// LayerEscalation lists who else is paged for SLOs of one layer.
type LayerEscalation struct {
	// AlsoNotify receive the layer's pages besides the owning team.
	AlsoNotify []string `yaml:"also_notify"`
}

// Freeze lists who is told when a service freezes.
type Freeze struct {
	// Notify receive ServiceFeatureFreeze and SLOBudgetExhausted besides the
	// owning team.
	Notify []string `yaml:"notify,omitempty"`
	// Page sends the freeze alerts to the owning team's pager. Off by
	// default: they go to its tickets receiver, or to the default receiver
	// when it has none, never to the pager.
	Page bool `yaml:"page,omitempty"`
}

// shape describes the mappings of the escalation config for strict
// decoding: the known fields of a mapping, or the shape of each value of a
// mapping with free keys.
type shape struct {
	// duration marks a scalar that must be an Alertmanager duration.
	duration bool
	fields   map[string]*shape
	values   *shape
	// keyPath names a free key's field path (teams["x"], layers.product).
	keyPath func(path, key string) string
}

var configShape = &shape{fields: map[string]*shape{
	"default_receiver": nil,
	"teams": {
		values:  &shape{fields: map[string]*shape{"pager": nil, "tickets": nil}},
		keyPath: func(path, key string) string { return fmt.Sprintf("%s[%q]", path, key) },
	},
	"layers": {
		values:  &shape{fields: map[string]*shape{"also_notify": nil}},
		keyPath: func(path, key string) string { return path + "." + key },
	},
	"freeze":          {fields: map[string]*shape{"notify": nil, "page": nil}},
	"group_by":        nil,
	"group_wait":      {duration: true},
	"group_interval":  {duration: true},
	"repeat_interval": {duration: true},
}}

// UnmarshalYAML decodes the escalation config strictly, whatever decoder
// the surrounding document uses: an unknown field is an error naming its
// line and path. It does not validate; call Validate.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	var errs []error
	checkFields(n, root, configShape, &errs)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	type plain Config
	return n.Decode((*plain)(c))
}

// checkFields reports the unknown fields and malformed durations of n, at
// path, against s.
func checkFields(n *yaml.Node, path string, s *shape, errs *[]error) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if s != nil && s.duration && n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if _, err := model.ParseDuration(n.Value); err != nil {
			*errs = append(*errs, fmt.Errorf("line %d: %s: must be a duration such as 30s, 5m or 4h, got %q", n.Line, path, n.Value))
		}
		return
	}
	if s == nil || n == nil || n.Kind != yaml.MappingNode {
		return // scalars and type mismatches are the decoder's to report
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if s.values != nil {
			checkFields(v, s.keyPath(path, k.Value), s.values, errs)
			continue
		}
		fs, ok := s.fields[k.Value]
		if !ok {
			*errs = append(*errs, fmt.Errorf("line %d: %s: unknown field %q; the fields are %s",
				k.Line, path, k.Value, strings.Join(slices.Sorted(maps.Keys(s.fields)), ", ")))
			continue
		}
		checkFields(v, path+"."+k.Value, fs, errs)
	}
}

// Validate reports every problem of the config at once, each naming its
// field path (escalation.teams["team-x"].pager: …).
func (c Config) Validate() error {
	var errs []error
	fail := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}

	if c.DefaultReceiver == "" {
		fail(root+".default_receiver", "must not be empty: name the receiver of alerts whose owner has no entry in teams")
	}

	for _, name := range slices.Sorted(maps.Keys(c.Teams)) {
		path := fmt.Sprintf("%s.teams[%q]", root, name)
		if name == "" || !utf8.ValidString(name) {
			fail(path, "team names are values of the %s label and must be non-empty UTF-8", conventions.LabelOwner)
			continue
		}
		if c.Teams[name].Pager == "" {
			fail(path+".pager", "must not be empty: name the receiver of the team's pages")
		}
	}

	for _, layer := range slices.Sorted(maps.Keys(c.Layers)) {
		path := root + ".layers." + string(layer)
		if !layer.Valid() {
			fail(root+".layers", "unknown layer %q; the layers are %s", layer, layerNames())
			continue
		}
		notify := c.Layers[layer].AlsoNotify
		if len(notify) == 0 {
			fail(path+".also_notify", "must list at least one receiver (or remove the layer)")
		}
		errs = append(errs, checkReceivers(path+".also_notify", notify)...)
	}

	errs = append(errs, checkReceivers(root+".freeze.notify", c.Freeze.Notify)...)
	errs = append(errs, checkGroupBy(root+".group_by", c.GroupBy)...)

	for _, d := range []struct {
		field string
		value model.Duration
	}{{"group_wait", c.GroupWait}, {"group_interval", c.GroupInterval}, {"repeat_interval", c.RepeatInterval}} {
		if d.value < 0 {
			fail(root+"."+d.field, "must not be negative, got %s", d.value)
		}
	}
	return errors.Join(errs...)
}

// checkReceivers checks a list of receiver names.
func checkReceivers(path string, names []string) []error {
	var errs []error
	seen := map[string]int{}
	for i, name := range names {
		p := fmt.Sprintf("%s[%d]", path, i)
		if name == "" {
			errs = append(errs, fmt.Errorf("%s: receiver names must not be empty", p))
			continue
		}
		if first, ok := seen[name]; ok {
			errs = append(errs, fmt.Errorf("%s: receiver %q is listed twice (also %s[%d])", p, name, path, first))
			continue
		}
		seen[name] = i
	}
	return errs
}

// checkGroupBy checks group_by the way Alertmanager will, with classic label
// names so that older Alertmanagers accept the result too.
func checkGroupBy(path string, labels []string) []error {
	var errs []error
	seen := map[string]bool{}
	for i, l := range labels {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case l == "...":
			if len(labels) > 1 {
				errs = append(errs, fmt.Errorf("%s: \"...\" (group by all labels) must be the only entry", p))
			}
		case !model.LegacyValidation.IsValidLabelName(l):
			errs = append(errs, fmt.Errorf("%s: %q is not a label name (letters, digits and underscores, not starting with a digit)", p, l))
		case seen[l]:
			errs = append(errs, fmt.Errorf("%s: label %q is listed twice", p, l))
		}
		seen[l] = true
	}
	return errs
}

// layerNames lists the valid layers for messages.
func layerNames() string {
	names := make([]string, len(slo.Layers))
	for i, l := range slo.Layers {
		names[i] = string(l)
	}
	return strings.Join(names, ", ")
}

// withDefaults returns c with the defaults of unset fields applied.
func (c Config) withDefaults() Config {
	if len(c.GroupBy) == 0 {
		c.GroupBy = slices.Clone(DefaultGroupBy)
	}
	return c
}
