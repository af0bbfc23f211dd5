package config

import (
	"errors"
	"fmt"
	"strings"

	commoncfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/relabel"
	yamlv2 "go.yaml.in/yaml/v2"

	// Alertmanagers are found with static_configs (built in), file_sd_configs
	// or dns_sd_configs (e.g. the SRV records of a headless Kubernetes
	// service). Not every discovery Prometheus has (discovery/install): their
	// cloud SDKs alone take some 60 MiB of memory at start, a third of the
	// daemon's budget, for a handful of Alertmanager addresses.
	_ "github.com/prometheus/prometheus/discovery/dns"
	_ "github.com/prometheus/prometheus/discovery/file"
)

// nameValidation is how Prometheus 3 validates label names by default; the
// relabel configs of the Prometheus blocks are validated with it, as
// Prometheus' Config.UnmarshalYAML does with its global default.
const nameValidation = model.UTF8Validation

// promValue decodes one Prometheus config value with Prometheus' own
// UnmarshalYAML (defaults and checks included). yaml.v2 aborts the whole
// document on the first error that is not a type error, and such errors carry
// no line; promValue keeps that error instead, so that decoding goes on and
// the error can be placed at its list item.
type promValue[T any] struct {
	v   *T
	err error
}

// UnmarshalYAML implements yaml.v2's Unmarshaler.
func (p *promValue[T]) UnmarshalYAML(unmarshal func(any) error) error {
	v := new(T)
	err := unmarshal(v)
	var te *yamlv2.TypeError
	if errors.As(err, &te) {
		return te // located by yaml.v2 itself
	}
	p.v, p.err = v, err
	return nil
}

// alertingBlock mirrors promconfig.AlertingConfig item by item, so that an
// error in one alertmanager or relabel config is placed at that item.
type alertingBlock struct {
	AlertRelabelConfigs []*promValue[relabel.Config]                `yaml:"alert_relabel_configs"`
	Alertmanagers       []*promValue[promconfig.AlertmanagerConfig] `yaml:"alertmanagers"`
}

// promBlocks is the yaml.v2 view of a file: its Prometheus blocks, and
// everything else, which the yaml.v3 decoder checks, skipped in Rest.
type promBlocks struct {
	Alerting    *alertingBlock                             `yaml:"alerting"`
	RemoteRead  []*promValue[promconfig.RemoteReadConfig]  `yaml:"remote_read"`
	RemoteWrite []*promValue[promconfig.RemoteWriteConfig] `yaml:"remote_write"`
	Rest        map[string]skip                            `yaml:",inline"`
}

// skip is a value yaml.v2 leaves undecoded.
type skip struct{}

// UnmarshalYAML implements yaml.v2's Unmarshaler by decoding nothing.
func (*skip) UnmarshalYAML(func(any) error) error { return nil }

// prometheus decodes the Prometheus blocks of data into c with yaml.v2, the
// way Prometheus' config.Load does, and runs the checks that Prometheus'
// Config.UnmarshalYAML runs on them.
func (d *decoder) prometheus(data []byte, ix *index, c *Config) {
	var b promBlocks
	if err := yamlv2.UnmarshalStrict(data, &b); err != nil {
		var te *yamlv2.TypeError
		if !errors.As(err, &te) {
			// yaml.v3 accepted the syntax; yaml.v2 (YAML 1.1) did not.
			d.errs = append(d.errs, syntaxError(d.file, err))
			return
		}
		for _, s := range te.Errors {
			line, msg := splitLine(s)
			tag := ""
			if m := wrongTypeRE.FindStringSubmatch(msg); m != nil {
				tag = m[1]
			}
			clean, field := cleanV2(msg)
			path := ix.pathAt(line, field, tag)
			if (repeatFieldRE.MatchString(msg) || repeatKeyRE.MatchString(msg)) && !strings.ContainsAny(path, ".[") {
				continue // a repeated top-level key: the yaml.v3 decoder reported it
			}
			d.errorf(line, path, "%s", clean)
		}
	}
	d.alerting(b.Alerting, ix, &c.Alerting)
	c.RemoteReadConfigs = remotes(d, ix, "remote_read", b.RemoteRead,
		func(r *promconfig.RemoteReadConfig) (string, *commoncfg.URL) { return r.Name, r.URL }, nil)
	c.RemoteWriteConfigs = remotes(d, ix, "remote_write", b.RemoteWrite,
		func(r *promconfig.RemoteWriteConfig) (string, *commoncfg.URL) { return r.Name, r.URL },
		func(path string, r *promconfig.RemoteWriteConfig) bool {
			return d.relabels(ix, path+".write_relabel_configs", r.WriteRelabelConfigs) &&
				d.prom(ix, path, r.Validate(nameValidation))
		})
}

// prom reports err, an error of Prometheus' config code about the block at
// path; it returns whether there was none.
func (d *decoder) prom(ix *index, path string, err error) bool {
	if err == nil {
		return true
	}
	p, line := ix.locate(path, err.Error())
	d.errorf(line, p, "%v", err)
	return false
}

// relabels validates relabel configs, each at its own line.
func (d *decoder) relabels(ix *index, path string, rcs []*relabel.Config) bool {
	ok := true
	for i, rc := range rcs {
		if rc != nil {
			ok = d.prom(ix, fmt.Sprintf("%s[%d]", path, i), rc.Validate(nameValidation)) && ok
		}
	}
	return ok
}

func (d *decoder) alerting(b *alertingBlock, ix *index, into *promconfig.AlertingConfig) {
	if b == nil {
		return
	}
	for i, rc := range b.AlertRelabelConfigs {
		path := fmt.Sprintf("alerting.alert_relabel_configs[%d]", i)
		switch {
		case rc == nil:
			d.errorf(ix.lineOf(path), path, "empty or null alert relabeling rule")
		case d.prom(ix, path, rc.err) && d.prom(ix, path, rc.v.Validate(nameValidation)):
			into.AlertRelabelConfigs = append(into.AlertRelabelConfigs, rc.v)
		}
	}
	for i, am := range b.Alertmanagers {
		path := fmt.Sprintf("alerting.alertmanagers[%d]", i)
		switch {
		case am == nil:
			d.errorf(ix.lineOf(path), path, "empty or null alertmanager config: give static_configs or a service discovery")
		case d.prom(ix, path, am.err) &&
			d.relabels(ix, path+".relabel_configs", am.v.RelabelConfigs) &&
			d.relabels(ix, path+".alert_relabel_configs", am.v.AlertRelabelConfigs) &&
			d.prom(ix, path, am.v.Validate(nameValidation)):
			into.AlertmanagerConfigs = append(into.AlertmanagerConfigs, am.v)
		}
	}
}

// remotes checks the decoded remote_read or remote_write items (block is the
// key): every item present, a usable http(s) URL, names unique, no two items
// alike (Prometheus' remote storage refuses those), plus validate, if given.
// nameURL returns an item's name and URL.
func remotes[T any](d *decoder, ix *index, block string, items []*promValue[T],
	nameURL func(*T) (string, *commoncfg.URL), validate func(path string, v *T) bool,
) []*T {
	var out []*T
	names := map[string]string{}
	alike := map[string]string{}
	for i, item := range items {
		path := fmt.Sprintf("%s[%d]", block, i)
		if item == nil {
			d.errorf(ix.lineOf(path), path, "empty or null %s config: give at least a url", block)
			continue
		}
		if !d.prom(ix, path, item.err) {
			continue
		}
		n, u := nameURL(item.v)
		ok := d.checkURL(ix, path, u)
		if n != "" {
			if first, dup := names[n]; dup {
				p := path + ".name"
				d.errorf(ix.lineOf(p), p, "name %q is used twice (also %s.name): give each %s a distinct name", n, first, block)
				ok = false
			} else {
				names[n] = path
			}
		}
		if validate != nil && !validate(path, item.v) {
			ok = false
		}
		if !ok {
			continue
		}
		// Prometheus' remote storage hashes each config's YAML (secrets
		// masked) and refuses two with the same hash.
		if y, err := yamlv2.Marshal(item.v); err == nil {
			if first, dup := alike[string(y)]; dup {
				d.errorf(ix.lineOf(path), path, "same settings as %s: remove one, or give them distinct names", first)
				continue
			}
			alike[string(y)] = path
		}
		out = append(out, item.v)
	}
	return out
}

// checkURL requires an absolute http or https URL: anything else is accepted
// by Prometheus' decoding but fails on every request.
func (d *decoder) checkURL(ix *index, path string, u *commoncfg.URL) bool {
	if u == nil || u.URL == nil {
		return true // Prometheus' own check reported it
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p := path + ".url"
		d.errorf(ix.lineOf(p), p, "must be an absolute http or https URL (http[s]://host[:port]/path), got %q", u.Redacted())
		return false
	}
	return true
}
