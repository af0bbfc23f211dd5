package slo

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/common/model"
)

// Limits of an exclusion, wherever it comes from (a spec or the admin API).
const (
	// MaxExclusionLength is the longest exclusion: a maintenance or a test, not a way to switch an SLO off.
	MaxExclusionLength = 7 * 24 * time.Hour
	// MaxExclusions bounds the exclusions of one SLO from one source (each is a term of its base-rate rules).
	MaxExclusions = 20
	// MaxExclusionTextLen bounds an exclusion's reason and approver, in characters.
	MaxExclusionTextLen = 200
)

// CheckExclusionSpan checks that an exclusion from..to ends after it starts and lasts at most MaxExclusionLength;
// fromText and toText are the times as the user wrote them, for the message.
func CheckExclusionSpan(from, to time.Time, fromText, toText string) error {
	switch {
	case !to.After(from):
		return fmt.Errorf("must be after from (%s), got %s", fromText, toText)
	case to.Sub(from) > MaxExclusionLength:
		return fmt.Errorf("an exclusion lasts at most %dd, got %s from %s to %s: split it, or change the SLO if it does not hold",
			MaxExclusionLength/(24*time.Hour), model.Duration(to.Sub(from)), fromText, toText)
	}
	return nil
}

// CheckExclusionText checks a required one-line text of an exclusion (its reason or approver: the audit trail);
// want says what it should hold.
func CheckExclusionText(want, text string) error {
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		return fmt.Errorf("must be set: %s, for the audit trail", want)
	case n > MaxExclusionTextLen:
		return fmt.Errorf("must be at most %d characters, got %d", MaxExclusionTextLen, n)
	case strings.ContainsFunc(text, unicode.IsControl):
		return fmt.Errorf("must be one line of printable text, got %q", text)
	}
	return nil
}

// ErrNoExclusionTime is the error of an exclusion time left empty.
var ErrNoExclusionTime = errors.New("must be set: a time such as 2026-12-01T02:00:00Z")

// ParseExclusionTime parses an exclusion's from or to: RFC 3339, with its zone; the result is in UTC.
func ParseExclusionTime(text string) (time.Time, error) {
	if text == "" {
		return time.Time{}, ErrNoExclusionTime
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be a time such as 2026-12-01T02:00:00Z (RFC 3339, with its zone), got %q", text)
	}
	return t.UTC(), nil
}
