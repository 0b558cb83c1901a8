package web

import (
	"net/http"
	"strconv"
	"strings"
)

// ifMatch reads the If-Match header (RFC 9110, section 13.1.1) as the item
// version a change must find, for the service to check in its transaction:
// 0 when there is no header or it is "*" (any current item), -1 when no tag
// can match (so the change fails with 412). A list matches when any strong
// tag in it is the item's version; a weak tag (W/"…") never matches, since
// If-Match compares strongly. Only a list of two or more tags needs the
// current version, which current reads.
func ifMatch(r *http.Request, current func() (int64, error)) (int64, error) {
	v := strings.TrimSpace(strings.Join(r.Header.Values("If-Match"), ","))
	if v == "" || v == "*" {
		return 0, nil
	}
	versions, ok := strongVersions(v)
	switch {
	case !ok || len(versions) == 0:
		return -1, nil
	case len(versions) == 1:
		return versions[0], nil
	}
	cur, err := current()
	if err != nil {
		return 0, err
	}
	for _, n := range versions {
		if n == cur {
			return cur, nil
		}
	}
	return -1, nil
}

// strongVersions parses a list of entity tags and returns the versions that
// its strong tags name; tags that are weak or not ours are skipped, and a
// list that does not parse is not ok.
func strongVersions(list string) (versions []int64, ok bool) {
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return versions, true
		}
		weak := strings.HasPrefix(list, "W/")
		if weak {
			list = list[2:]
		}
		if !strings.HasPrefix(list, `"`) {
			return nil, false
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return nil, false
		}
		tag := list[1 : 1+end]
		list = list[2+end:]
		if rest := strings.TrimLeft(list, " \t"); rest != "" && rest[0] != ',' {
			return nil, false
		}
		if n, err := strconv.ParseInt(tag, 10, 64); !weak && err == nil && n > 0 && strconv.FormatInt(n, 10) == tag {
			versions = append(versions, n)
		}
	}
}
