package shelf

import "strconv"

// Count writes n with the noun that fits it: "1 note", "0 notes",
// "2 copies". It is the one place Shelf decides between singular and
// plural, for the pages, the service's messages and the command line.
func Count[N ~int | ~int64](n N, one, many string) string {
	return strconv.FormatInt(int64(n), 10) + " " + Noun(n, one, many)
}

// Noun is the noun alone that Count would write after n.
func Noun[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
