package metricsdoc

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Page is what the caller says about the families: the page's title and fixed prose, and how the families are
// grouped.
type Page struct {
	Title string
	// Header is the comment under the title that marks the page as generated.
	Header string
	// Intro is Markdown written after the header.
	Intro string
	// Groups are the page's sections, in order. A family belongs to the group with the longest prefix of its
	// name (e.g. "app_cache_" before "app_"); a family of no group fails Write, so that a new prefix is placed
	// deliberately.
	Groups []Group
	// Notes add Markdown to a family's row, after its help. A note for a family not in the inventory fails Write,
	// so that notes do not outlive their family.
	Notes map[string]string
	// Outro is Markdown written after the groups.
	Outro string
}

// Group is one section of the page.
type Group struct {
	Heading  string
	Intro    string   // Markdown under the heading
	Prefixes []string // name prefixes of its families, e.g. "go_"
	// Unlisted groups show their intro only: for families that depend on the platform or the Go version, whose
	// list would make the page differ from machine to machine.
	Unlisted bool
}

// Write renders the page over families (from Inventory) to w.
func Write(w io.Writer, p Page, families []Family) error {
	byGroup := make([][]Family, len(p.Groups))
	known := map[string]bool{}
	for _, f := range families {
		known[f.Name] = true
		i := groupOf(p.Groups, f.Name)
		if i < 0 {
			return fmt.Errorf("%s belongs to no group of the page", f.Name)
		}
		byGroup[i] = append(byGroup[i], f)
	}
	for _, name := range sortedKeys(p.Notes) {
		if !known[name] {
			return fmt.Errorf("a note is about %s, which the registry does not expose", name)
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", p.Title, p.Header)
	writeProse(&b, p.Intro)
	for i, g := range p.Groups {
		fmt.Fprintf(&b, "## %s\n\n", g.Heading)
		writeProse(&b, g.Intro)
		if g.Unlisted {
			continue
		}
		if len(byGroup[i]) == 0 {
			return fmt.Errorf("the group %q has no family", g.Heading)
		}
		b.WriteString("| metric | type | labels | help |\n| --- | --- | --- | --- |\n")
		for _, f := range byGroup[i] {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, typeCell(f), labelsCell(f.Labels), helpCell(f.Help, p.Notes[f.Name]))
		}
		b.WriteString("\n")
	}
	writeProse(&b, p.Outro)
	_, err := w.Write(append(bytes.TrimRight(b.Bytes(), "\n"), '\n'))
	return err
}

// groupOf is the index of the group with the longest prefix of name (the first of equals), -1 if none has one.
func groupOf(groups []Group, name string) int {
	best, bestLen := -1, -1
	for i, g := range groups {
		for _, prefix := range g.Prefixes {
			if strings.HasPrefix(name, prefix) && len(prefix) > bestLen {
				best, bestLen = i, len(prefix)
			}
		}
	}
	return best
}

func writeProse(b *bytes.Buffer, s string) {
	if s = strings.TrimSpace(s); s != "" {
		fmt.Fprintf(b, "%s\n\n", s)
	}
}

func typeCell(f Family) string {
	if f.Type == "" {
		return "unknown"
	}
	return f.Type
}

func labelsCell(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "`" + strings.Join(names, "`, `") + "`"
}

// helpCell is a help text escaped as one table cell, then the note as it is (Markdown, but one line).
func helpCell(help, note string) string {
	s := escape(strings.Join(strings.Fields(help), " "))
	if note = strings.Join(strings.Fields(note), " "); note != "" {
		s += " " + strings.ReplaceAll(note, "|", `\|`)
	}
	return s
}

// escape keeps Markdown from reading a help text: outside its code spans (`…`), '\\', '*', '_', '[' and '|' get a
// backslash and '<', '>' and '&' become entities; inside them only '|' is escaped (GitHub's tables split on it
// even there).
func escape(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an unmatched backtick: all text
		parts = []string{strings.ReplaceAll(s, "`", "'")}
	}
	for i := range parts {
		if i%2 == 1 {
			parts[i] = strings.ReplaceAll(parts[i], "|", `\|`)
			continue
		}
		parts[i] = textEscaper.Replace(parts[i])
	}
	return strings.Join(parts, "`")
}

var textEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;")

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
