package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// The limits of the format, in one place. Every string of a spec ends up
// somewhere with a cost: a label on every series slokeeper records (and
// remote-writes), a label or annotation on every alert, a line of a review.
// The limits bound that cost, so that a mistake (or a hostile file) is an
// error naming the field and the limit, not a 50 MB label. Lengths are in
// bytes, as Prometheus-compatible stores count them, except MaxReviewerLen.
const (
	// MaxFileSize is the largest spec file Load reads, in bytes. Files are
	// read through a limit, so that a file growing while it is read cannot
	// exceed it either. Parse and LoadSources refuse larger contents too.
	MaxFileSize = 16 << 20
	// MaxNameLen bounds service, owner, policy and SLO names: they appear in
	// rule group names, SLO ids and every series' labels.
	MaxNameLen = 64
	// MaxDescriptionLen bounds an SLO's description and rationale (and the
	// file's description): both become labels of the SLO's info series.
	MaxDescriptionLen = 1024
	// MaxLabelNameLen bounds label names, annotation names and grouping
	// labels.
	MaxLabelNameLen = 128
	// MaxLabelValueLen bounds label values and severities. They label
	// recorded series and the ALERTS series; 2048 is the default limit of
	// Mimir, Cortex and Loki (-validation.max-length-label-value), so what
	// slokeeper records is accepted by their remote write.
	MaxLabelValueLen = 2048
	// MaxAnnotationLen bounds an annotation value.
	MaxAnnotationLen = 4096
	// MaxURLLen bounds alerting.runbookURL, about what browsers and chat
	// tools keep of a link.
	MaxURLLen = 2048
	// MaxReviewerLen bounds review.reviewer, in characters.
	MaxReviewerLen = 100
	// MinObjective is the lowest objective, in percent. Objectives are percentages, and a ratio written for one
	// (0.999, as OpenSLO writes 99.9 %) would be an objective of 0.999 %: an SLO that never alerts. Under 50 % most
	// events may fail and still meet the SLO, which is no promise a user would recognise; the Workbook's
	// examples start at 90 %.
	MinObjective = 50
)

// maxNodes bounds the work of one file, aliases expanded, so that a hostile
// document ("billion laughs") fails fast instead of exhausting memory.
const maxNodes = 200000

var (
	// nameRE matches names of services, owners, policies and SLOs: they
	// appear in group names and IDs.
	nameRE = regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9]([A-Za-z0-9_.-]{0,%d}[A-Za-z0-9])?$`, MaxNameLen-2))
	// nameRule says what nameRE matches.
	nameRule = fmt.Sprintf("must be 1-%d letters, digits, '.', '_' or '-', starting and ending with a letter or digit", MaxNameLen)
)

// maxLen reports s at path when it is longer than limit bytes, naming what
// the field is, and tells whether s is within the limit.
func (v *validator) maxLen(path, what, s string, limit int) bool {
	if len(s) <= limit {
		return true
	}
	v.at(path, "%s must be at most %d bytes, got %d: shorten it", what, limit, len(s))
	return false
}

// quoteMax is how much of a value an error message quotes.
const quoteMax = 80

// quote quotes s for an error message, cut after quoteMax bytes: an error
// about a 10 MB value need not repeat it.
func quote(s string) string {
	if len(s) <= quoteMax {
		return strconv.Quote(s)
	}
	cut := quoteMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}
