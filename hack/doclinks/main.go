// Command doclinks checks the repository's Markdown links (`make check-docs`):
// every relative link must name a file or directory that exists, and every
// #anchor must match a heading of the file it points into, by GitHub's rules
// (lower case; punctuation other than '-' and '_' dropped; spaces to '-'; a
// repeated heading gets -1, -2, …).
//
// It owns only that check, run over the .md files under the directories given
// (default: the current one), skipping hidden directories, vendor/ and
// testdata/. It must not know which pages exist or what they say, and it reads
// nothing over the network: links with a scheme (https:, mailto:) are skipped.
//
//	go run ./hack/doclinks [DIR ...]
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	roots := os.Args[1:]
	if len(roots) == 0 {
		roots = []string{"."}
	}
	var files []string
	for _, root := range roots {
		found, err := markdownFiles(root)
		if err != nil {
			fmt.Fprintln(os.Stderr, "doclinks:", err)
			os.Exit(2)
		}
		files = append(files, found...)
	}
	c := checker{anchors: map[string]map[string]bool{}}
	problems := 0
	for _, f := range files {
		p, err := c.checkFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "doclinks:", err)
			os.Exit(2)
		}
		for _, msg := range p {
			fmt.Fprintln(os.Stderr, msg)
		}
		problems += len(p)
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "%d broken link(s) in %d Markdown file(s)\n", problems, len(files))
		os.Exit(1)
	}
	fmt.Printf("links OK in %d Markdown file(s)\n", len(files))
}

func markdownFiles(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "vendor" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".md") {
			out = append(out, path)
		}
		return nil
	})
	return out, err
}

type checker struct {
	anchors map[string]map[string]bool // file → its heading anchors
}

var (
	// inlineLink matches [text](target "title") and ![alt](target); text may hold one level of brackets.
	inlineLink = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refDef matches a reference definition: [name]: target
	refDef = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// checkFile returns one message per broken link of the file.
func (c *checker) checkFile(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	text := prose(string(data))
	var problems []string
	for _, re := range []*regexp.Regexp{inlineLink, refDef} {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			target := text[m[2]:m[3]]
			if msg := c.checkTarget(file, target); msg != "" {
				line := 1 + strings.Count(text[:m[0]], "\n")
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", file, line, target, msg))
			}
		}
	}
	return problems, nil
}

// checkTarget says what is wrong with one link target of file, or "".
func (c *checker) checkTarget(file, target string) string {
	if target == "" || scheme.MatchString(target) || strings.HasPrefix(target, "//") {
		return ""
	}
	path, frag, hasFrag := strings.Cut(target, "#")
	dest := file
	if path != "" {
		if strings.HasPrefix(path, "/") {
			dest = filepath.Clean(strings.TrimPrefix(path, "/"))
		} else {
			dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
		}
		st, err := os.Stat(dest)
		if err != nil {
			return "no such file or directory"
		}
		if st.IsDir() {
			if hasFrag {
				return "an anchor into a directory"
			}
			return ""
		}
	}
	if !hasFrag {
		return ""
	}
	if !strings.HasSuffix(dest, ".md") {
		return "" // an anchor into a source file (a line, #L10) is not checked
	}
	anchors, err := c.anchorsOf(dest)
	if err != nil {
		return err.Error()
	}
	if !anchors[frag] {
		return fmt.Sprintf("no heading of %s has the anchor #%s", dest, frag)
	}
	return ""
}

func (c *checker) anchorsOf(file string) (map[string]bool, error) {
	if a, ok := c.anchors[file]; ok {
		return a, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	a := map[string]bool{}
	seen := map[string]int{}
	for _, line := range strings.Split(stripFences(string(data)), "\n") {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		id := Anchor(m[1])
		if n := seen[id]; n > 0 {
			a[fmt.Sprintf("%s-%d", id, n)] = true
		} else {
			a[id] = true
		}
		seen[id]++
	}
	c.anchors[file] = a
	return a, nil
}

var (
	heading      = regexp.MustCompile(`^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$`)
	linkText     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	htmlTag      = regexp.MustCompile(`<[^>]+>`)
	anchorStrip  = regexp.MustCompile(`[^\p{L}\p{M}\p{N}\- _]`)
	fenceOpening = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	codeSpan     = regexp.MustCompile("(`+)[^`]*?(`+)")
)

// Anchor is the id GitHub gives a heading whose Markdown text is h.
func Anchor(h string) string {
	h = linkText.ReplaceAllString(h, "$1")
	h = htmlTag.ReplaceAllString(h, "")
	h = strings.ToLower(strings.TrimSpace(h))
	h = anchorStrip.ReplaceAllString(h, "")
	return strings.ReplaceAll(h, " ", "-")
}

// stripFences blanks the lines of fenced code blocks, keeping the line count.
func stripFences(s string) string {
	lines := strings.Split(s, "\n")
	fence := ""
	for i, l := range lines {
		if fence != "" {
			if strings.HasPrefix(strings.TrimLeft(l, " "), fence) {
				fence = ""
			}
			lines[i] = ""
			continue
		}
		if m := fenceOpening.FindStringSubmatch(l); m != nil {
			fence = m[1]
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// prose is the text whose links count: no fenced blocks, no code spans (blanked, so offsets keep their lines).
func prose(s string) string {
	return codeSpan.ReplaceAllStringFunc(stripFences(s), func(span string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			return ' '
		}, span)
	})
}
