package shelf

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateName returns why a name is not acceptable, or "" when it is. It is
// the one rule for every name a person gives a thing and others read back:
// items, categories, users, tokens, borrowers.
//
// A name must be valid UTF-8 and may not hold control characters (C0, DEL,
// C1) or Unicode format characters (category Cf): bidirectional overrides
// and isolates (U+202A–U+202E, U+2066–U+2069), zero-width spaces, soft
// hyphens and the like are invisible, so with them one name can pass for
// another in lists, blockers and audit summaries. U+200C and U+200D (zero
// width non-joiner and joiner) are allowed: several scripts and emoji need
// them to be written at all.
func ValidateName(name string) string {
	switch {
	case name == "":
		return "Name is required."
	case !utf8.ValidString(name):
		return "Name must be valid UTF-8 text."
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "Name is too long."
	case strings.ContainsFunc(name, NotInName):
		return "Name cannot contain control characters or invisible formatting characters (such as direction overrides)."
	}
	return ""
}

// NotInName reports whether r may not appear in a name (see ValidateName).
func NotInName(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == '\u200c', r == '\u200d':
		return false
	}
	return unicode.Is(unicode.Cf, r)
}
