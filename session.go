package shelf

import "time"

// Session is a browser's server-side session. Before login it has no user
// (UserID 0) and carries only the CSRF token of the login form.
type Session struct {
	UserID     int64
	CSRFToken  string
	Flash      string // a message to show once, on the next page
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute timeout
}
