package web

import (
	"strings"
	"testing"

	"shelf"
	"shelf/service"
)

// openedEvents reads every audit event with this action through the
// service, as the API shows them: personal data is sealed in the database
// (see service/keys.go), so tests read it opened, never from the raw rows.
func openedEvents(t *testing.T, svc *service.Service, action string) []shelf.AuditEvent {
	t.Helper()
	var out []shelf.AuditEvent
	f := shelf.AuditFilter{Action: action, Limit: shelf.MaxPageSize}
	for {
		page, err := svc.AuditEvents(t.Context(), shelf.System("test"), f)
		if err != nil {
			t.Fatalf("audit events %s: %v", action, err)
		}
		out = append(out, page.Events...)
		if page.Next == "" {
			return out
		}
		f.After = page.Next
	}
}

// eventsWith counts the events with this action whose opened snapshot holds
// fragment and that match, when given, the filter.
func eventsWith(t *testing.T, svc *service.Service, action, fragment string, match func(shelf.AuditEvent) bool) int {
	t.Helper()
	n := 0
	for _, e := range openedEvents(t, svc, action) {
		if strings.Contains(string(e.Snapshot), fragment) && (match == nil || match(e)) {
			n++
		}
	}
	return n
}

// eventSnapshot is the opened snapshot of the event with this action on
// this entity.
func eventSnapshot(t *testing.T, svc *service.Service, action string, entityID int64) string {
	t.Helper()
	for _, e := range openedEvents(t, svc, action) {
		if e.EntityID == entityID {
			return string(e.Snapshot)
		}
	}
	t.Fatalf("no %s event on %d", action, entityID)
	return ""
}
