// Package shelf holds Shelf's domain: the things a user keeps (items, notes,
// loans, categories), who is asking (Actor), and the coded errors every layer
// speaks. It imports nothing else of Shelf's, so every other package can use it.
package shelf

import "time"

// Role is what a user may do: members act on what they own, admins on everything.
type Role string

// The two roles.
const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// User is a person who can log in.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	Role         Role      `json:"role"`
	CreatedAt    time.Time `json:"created_at"`
}

// ListedUser is a user as an admin's list of users shows them: with, for
// an account its owner deleted, when it is due for erasure (nil otherwise;
// until then an admin may restore it).
type ListedUser struct {
	User
	EraseAt *time.Time `json:"erase_at"`
}

// TransferResult is what giving a user's items to another did: how many
// items moved, to whom (for the message that says so), and which were
// renamed because the recipient already used their names.
type TransferResult struct {
	Transferred int64     `json:"transferred"`
	To          User      `json:"-"`
	Renamed     []Renamed `json:"renamed"`
}

// Renamed is an item that a transfer renamed: its name before and after.
type Renamed struct {
	ID   int64  `json:"id"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Actor is who is asking for a use case, and from where; the service decides
// every permission from it, and audit events record it.
type Actor struct {
	UserID     int64
	Role       Role
	RequestID  string
	RemoteAddr string
	// ByToken says the request was authenticated by an API token rather
	// than a logged-in session.
	ByToken bool
}

// IsAdmin reports whether the actor may act on anything.
func (a Actor) IsAdmin() bool { return a.Role == RoleAdmin }

// System is the actor of Shelf's own background work (the retention purge and
// the command line); it has no user id, so its audit events have a null actor.
func System(requestID string) Actor {
	return Actor{Role: RoleAdmin, RequestID: requestID}
}

// IsSystem reports whether the actor is Shelf itself rather than a user.
func (a Actor) IsSystem() bool { return a.UserID == 0 }

// Category groups items; deleting it leaves its items uncategorised.
type Category struct {
	ID      int64  `json:"id"`
	OwnerID int64  `json:"-"`
	Name    string `json:"name"`
}

// CategoryDeletion is what deleting a category did: the category as it was,
// and how many items became uncategorised.
type CategoryDeletion struct {
	Category      Category
	Uncategorised int
}

// Note is a short text on an item; it goes with the item when the item is purged.
type Note struct {
	ID        int64     `json:"id"`
	ItemID    int64     `json:"item_id"`
	AuthorID  *int64    `json:"author_id"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Loan records that an item was lent; it is active while ReturnedAt is nil, and
// an active loan keeps its item out of the Trash.
type Loan struct {
	ID         int64      `json:"id"`
	ItemID     int64      `json:"item_id"`
	Borrower   string     `json:"borrower"`
	LentAt     time.Time  `json:"lent_at"`
	DueAt      *time.Time `json:"due_at"`
	ReturnedAt *time.Time `json:"returned_at"`
}

// Active reports whether the item is still out on this loan.
func (l Loan) Active() bool { return l.ReturnedAt == nil }

// APIToken is a personal token for the JSON API. Only a hash of the secret is
// kept; the secret itself is shown once, when the token is created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}
