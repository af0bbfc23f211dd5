package metricsdoc

import (
	"fmt"
	"strconv"
	"strings"
)

// parseDesc reads a family's name, help and label names from prometheus.Desc.String(), the only public view of
// a descriptor's fields:
//
//	Desc{fqName: "name", help: "help", unit: "", constLabels: {name="value",…}, variableLabels: {name,c(name),…}}
//
// Fields it does not know fail, so that a change of client_golang's format shows as an error rather than as a
// wrong page. Const label values are read past, never kept.
func parseDesc(s string) (Family, error) {
	fail := func(why string) (Family, error) {
		return Family{}, fmt.Errorf("couldn't read the descriptor %s: %s", s, why)
	}
	rest, ok := strings.CutPrefix(s, "Desc{")
	if !ok || !strings.HasSuffix(rest, "}") {
		return fail("not Desc{…}")
	}
	rest = strings.TrimSuffix(rest, "}")
	var f Family
	var named bool
	for rest != "" {
		key, value, ok := strings.Cut(rest, ": ")
		if !ok {
			return fail("a field without a value")
		}
		var err error
		switch key {
		case "fqName", "help", "unit":
			var v string
			v, rest, err = quoted(value)
			switch key {
			case "fqName":
				f.Name, named = v, true
			case "help":
				f.Help = v
			}
		case "constLabels":
			var names []string
			names, rest, err = constLabels(value)
			f.Labels = union(f.Labels, names)
		case "variableLabels":
			var names []string
			names, rest, err = variableLabels(value)
			f.Labels = union(f.Labels, names)
		default:
			return fail("unknown field " + key)
		}
		if err != nil {
			return fail(key + ": " + err.Error())
		}
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, ", "); !ok {
				return fail("no ', ' after " + key)
			}
		}
	}
	if !named || f.Name == "" {
		return fail("no fqName")
	}
	return f, nil
}

// quoted reads a Go-quoted string at the start of s.
func quoted(s string) (value, rest string, err error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", err
	}
	value, err = strconv.Unquote(q)
	return value, s[len(q):], err
}

// constLabels reads {name="value",…} at the start of s and returns the names.
func constLabels(s string) (names []string, rest string, err error) {
	rest, ok := strings.CutPrefix(s, "{")
	if !ok {
		return nil, "", fmt.Errorf("no '{'")
	}
	for !strings.HasPrefix(rest, "}") {
		name, value, ok := strings.Cut(rest, "=")
		if !ok || name == "" {
			return nil, "", fmt.Errorf("a label without '='")
		}
		if _, rest, err = quoted(value); err != nil {
			return nil, "", err
		}
		names = append(names, name)
		rest = strings.TrimPrefix(rest, ",")
	}
	return names, rest[1:], nil
}

// variableLabels reads {name,c(name),…} at the start of s (c(…) marks a constrained label) and returns the names.
func variableLabels(s string) (names []string, rest string, err error) {
	rest, ok := strings.CutPrefix(s, "{")
	if !ok {
		return nil, "", fmt.Errorf("no '{'")
	}
	list, rest, ok := strings.Cut(rest, "}")
	if !ok {
		return nil, "", fmt.Errorf("no '}'")
	}
	if list == "" {
		return nil, rest, nil
	}
	for _, n := range strings.Split(list, ",") {
		if c, ok := strings.CutPrefix(n, "c("); ok {
			n = strings.TrimSuffix(c, ")")
		}
		if n == "" {
			return nil, "", fmt.Errorf("an empty label name")
		}
		names = append(names, n)
	}
	return names, rest, nil
}
