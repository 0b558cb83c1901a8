// Package servicetest is the conformance suite of Shelf's use cases: every
// rule of the service must hold on every database engine. It drives the real
// service over a real database and checks the raw state of the tables
// afterwards, so a rule that holds only in Go (and not in the schema or the
// transaction) fails here. Its Fixture (a service, a settable clock and three
// users) is shared by the other packages' tests.
//
// An engine's test calls Run with a function that opens a fresh, migrated,
// empty database (store/storetest opens them) and closes it when the test ends:
//
//	servicetest.Run(t, func(t *testing.T) *store.DB { … })
package servicetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// Run runs every rule of the suite as a named subtest, each on a database
// that open returns fresh, migrated and empty.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *Fixture)
	}{
		{"TrashMovesToTrash", testTrashMovesToTrash},
		{"TrashBlockedByActiveLoan", testTrashBlockedByActiveLoan},
		{"TrashTwiceNotFound", testTrashTwiceNotFound},
		{"PurgeCascadesNotesAndLoans", testPurgeCascadesNotesAndLoans},
		{"PurgeOnlyFromTrash", testPurgeOnlyFromTrash},
		{"CategoryDeleteSetsNull", testCategoryDeleteSetsNull},
		{"UserDeleteRestrictedWhileOwningItems", testUserDeleteRestrictedWhileOwningItems},
		{"UserDeleteCascadesCategoriesTokensAndNullsNotes", testUserDeleteCascades},
		{"UniqueNameAmongLiveOnly", testUniqueNameAmongLiveOnly},
		{"RestoreNameConflict", testRestoreNameConflict},
		{"RestoreLiveItemNotFound", testRestoreLiveItemNotFound},
		{"RestoreCohortExactlyOneRequest", testRestoreCohortExactlyOneRequest},
		{"BulkTrashPerIDResults", testBulkTrashPerIDResults},
		{"BulkTrashLimits", testBulkTrashLimits},
		{"ReasonsKeptInAudit", testReasonsKeptInAudit},
		{"TypedConfirmations", testTypedConfirmations},
		{"Search", testSearch},
		{"AuditImmutable", testAuditImmutable},
		{"AuditHashChain", testAuditHashChain},
		{"AuditAnchor", testAuditAnchor},
		{"AuditEventInSameTransaction", testAuditEventInSameTransaction},
		{"AuditLanes", testAuditLanes},
		{"AuditAnchorBindsLanes", testAuditAnchorBindsLanes},
		{"AuditLanesUnderConcurrentWriters", testAuditLanesUnderConcurrentWriters},
		{"IDsNeverReused", testIDsNeverReused},
		{"ImpactCounts", testImpactCounts},
		{"UpdateVersionPrecondition", testUpdateVersionPrecondition},
		{"MemberGetsNotFoundForOthersItems", testMemberGetsNotFound},
		{"AdminCanActOnOthersItems", testAdminCanAct},
		{"AdminOnlyOperationsRefuseMembers", testAdminOnly},
		{"AnonymousIsUnauthorized", testAnonymous},
		{"TransferMovesLiveAndTrashed", testTransferItems},
		{"TransferRenamesClashes", testTransferRenamesClashes},
		{"StoreReportsRowCounts", testStoreReportsRowCounts},
		{"ConcurrentTrashOneWinner", testConcurrentTrashOneWinner},
		{"AuditChainUnderConcurrentWriters", testAuditChainUnderConcurrentWriters},
		{"LendRacesTrash", testLendRacesTrash},
		{"LendBeyondQuantity", testLendBeyondQuantity},
		{"LendRacesLastCopy", testLendRacesLastCopy},
		{"LoanStates", testLoanStates},
		{"RestoreChosen", testRestoreChosen},
		{"PurgeChosen", testPurgeChosen},
		{"TrashCountAndRecord", testTrashCountAndRecord},
		{"RestoreRacesPurge", testRestoreRacesPurge},
		{"ConcurrentPurgersNeverCollide", testConcurrentPurgersNeverCollide},
		{"RetentionPurgeOneInstance", testRetentionPurgeOneInstance},
		{"ReadOneRunsOneStatement", testReadOneRunsOneStatement},
		{"WriteOneRunsOneStatement", testWriteOneRunsOneStatement},
		{"ConcurrentCreatesOneName", testConcurrentCreatesOneName},
		{"EventsAreCommittedAuditEvents", testEventsAreCommittedAuditEvents},
		{"EventsScopedByOwner", testEventsScopedByOwner},
		{"EventsLateCommit", testEventsLateCommit},
		{"HoldKeepsItemFromPurge", testHoldKeepsItemFromPurge},
		{"HoldKeepsUsersTrash", testHoldKeepsUsersTrash},
		{"HoldsPlacedByAdminsAndAudited", testHoldsPlacedByAdminsAndAudited},
		{"TextMustBeUTF8", testTextMustBeUTF8},
		{"NamesRefuseInvisibleCharacters", testNamesRefuseInvisibleCharacters},
		{"AuditHashBindsExactBytes", testAuditHashBindsExactBytes},
		{"AuditSealsPersonalData", testAuditSealsPersonalData},
		{"AuditOldPlainEventsOfErased", testAuditOldPlainEventsOfErased},
		{"MasterKeyWrapsKeys", testMasterKeyWrapsKeys},
		{"EraseLeavesNoCopy", testEraseLeavesNoCopy},
		{"EraseResumes", testEraseResumes},
		{"EraseBatchesFromCursor", testEraseBatchesFromCursor},
		{"JobEmptyTrash", testJobEmptyTrash},
		{"JobPurgeItem", testJobPurgeItem},
		{"JobLeavesHeldItems", testJobLeavesHeldItems},
		{"JobRetriesThenFails", testJobRetriesThenFails},
		{"JobResumes", testJobResumes},
		{"JobOneRunner", testJobOneRunner},
		{"JobBulkDelete", testJobBulkDelete},
		{"JobThresholdCountsWhatGoes", testJobThresholdCountsWhatGoes},
		{"TrashMatching", testTrashMatching},
		{"Overview", testOverview},
		{"ExportHoldsWhatIsTheirs", testExportHoldsWhatIsTheirs},
		{"ExportStreamsInBoundedMemory", testExportStreamsInBoundedMemory},
		{"AccountDeleteThenErased", testAccountDeleteThenErased},
		{"AccountRestoreDuringGrace", testAccountRestoreDuringGrace},
		{"LastAdminKeepsAccount", testLastAdminKeepsAccount},
		{"AccountErasureOnceAcrossInstances", testAccountErasureOnceAcrossInstances},
		{"HeldAccountWaitsForRelease", testHeldAccountWaitsForRelease},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, NewFixture(t, open(t)))
		})
	}
}

// Clock is a settable clock for service.WithClock, so tests decide what
// "now" is (retention, trash times) without sleeping.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Start is the time every fixture's clock starts at.
var Start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Fixture is a database with a service over it, a settable clock and three
// users: an admin and two members, Alice and Bob.
type Fixture struct {
	T     *testing.T
	Ctx   context.Context
	DB    *store.DB
	Svc   *service.Service
	Clock *Clock
	Admin shelf.Actor
	Alice shelf.Actor
	Bob   shelf.Actor
}

// NewFixture adds the three users to db (directly through the store, with an
// unusable password hash, so that no test pays for password hashing) and
// returns the fixture.
func NewFixture(t *testing.T, db *store.DB) *Fixture {
	t.Helper()
	f := &Fixture{T: t, Ctx: t.Context(), DB: db, Clock: NewClock(Start)}
	f.Svc = service.New(db, service.WithClock(f.Clock.Now))
	f.Admin = f.AddUser("admin@example.com", "Ada Admin", shelf.RoleAdmin)
	f.Alice = f.AddUser("alice@example.com", "Alice", shelf.RoleMember)
	f.Bob = f.AddUser("bob@example.com", "Bob", shelf.RoleMember)
	return f
}

// AddUser inserts a user through the store and returns them as an actor.
func (f *Fixture) AddUser(email, name string, role shelf.Role) shelf.Actor {
	f.T.Helper()
	var u shelf.User
	err := f.DB.Write(f.Ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.InsertUser(f.Ctx, shelf.User{Email: email, Name: name, PasswordHash: "!unusable", Role: role, CreatedAt: f.Clock.Now()})
		return err
	})
	if err != nil {
		f.T.Fatalf("add user %s: %v", email, err)
	}
	return shelf.Actor{UserID: u.ID, Role: role, RequestID: "req-" + name, RemoteAddr: "192.0.2.1"}
}

// Item creates a live item named name owned by a.
func (f *Fixture) Item(a shelf.Actor, name string) shelf.Item {
	f.T.Helper()
	it, err := f.Svc.CreateItem(f.Ctx, a, shelf.ItemInput{Name: name, Quantity: 1})
	if err != nil {
		f.T.Fatalf("create item %q: %v", name, err)
	}
	return it
}

// ItemIn creates a live item in a category.
func (f *Fixture) ItemIn(a shelf.Actor, name string, categoryID int64) shelf.Item {
	f.T.Helper()
	it, err := f.Svc.CreateItem(f.Ctx, a, shelf.ItemInput{Name: name, Quantity: 1, CategoryID: &categoryID})
	if err != nil {
		f.T.Fatalf("create item %q in category %d: %v", name, categoryID, err)
	}
	return it
}

// Note adds a note to an item.
func (f *Fixture) Note(a shelf.Actor, itemID int64, body string) shelf.Note {
	f.T.Helper()
	n, err := f.Svc.AddNote(f.Ctx, a, itemID, body)
	if err != nil {
		f.T.Fatalf("add note to item %d: %v", itemID, err)
	}
	return n
}

// Lend lends an item to borrower.
func (f *Fixture) Lend(a shelf.Actor, itemID int64, borrower string) shelf.Loan {
	f.T.Helper()
	l, err := f.Svc.LendItem(f.Ctx, a, itemID, borrower, nil)
	if err != nil {
		f.T.Fatalf("lend item %d to %s: %v", itemID, borrower, err)
	}
	return l
}

// Return marks a loan returned.
func (f *Fixture) Return(a shelf.Actor, loanID int64) {
	f.T.Helper()
	if _, err := f.Svc.ReturnLoan(f.Ctx, a, loanID); err != nil {
		f.T.Fatalf("return loan %d: %v", loanID, err)
	}
}

// Trash moves an item to the Trash and returns its cohort. The item that
// TrashItem returns must be the item as the Trash now holds it.
func (f *Fixture) Trash(a shelf.Actor, itemID int64) string {
	f.T.Helper()
	it, err := f.Svc.TrashItem(f.Ctx, a, itemID, 0)
	if err != nil {
		f.T.Fatalf("trash item %d: %v", itemID, err)
	}
	if it.Cohort == "" {
		f.T.Fatalf("trash item %d: want a cohort id, got none", itemID)
	}
	stored, err := f.Svc.TrashedItem(f.Ctx, f.Admin, itemID)
	if err != nil {
		f.T.Fatalf("trash item %d: read it back from the Trash: %v", itemID, err)
	}
	if !reflect.DeepEqual(it, stored) {
		f.T.Fatalf("trash item %d: TrashItem returned\n%+v\nthe Trash holds\n%+v", itemID, it, stored)
	}
	return it.Cohort
}

// Category creates a category.
func (f *Fixture) Category(a shelf.Actor, name string) shelf.Category {
	f.T.Helper()
	c, err := f.Svc.CreateCategory(f.Ctx, a, name)
	if err != nil {
		f.T.Fatalf("create category %q: %v", name, err)
	}
	return c
}

// Count runs a query that returns one integer, usually a count(*), on the
// raw database. Build the query with literal values (ids with %d, strings
// through Quote): that SQL is the same on every engine, with no placeholders.
func Count(t testing.TB, db *store.DB, format string, args ...any) int {
	t.Helper()
	q := fmt.Sprintf(format, args...)
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return n
}

// Quote returns s as an SQL string literal.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Count runs a counting query on the fixture's database (see Count).
func (f *Fixture) Count(format string, args ...any) int {
	f.T.Helper()
	return Count(f.T, f.DB, format, args...)
}

// Exec runs a statement with literal values on the raw database and
// returns its error.
func (f *Fixture) Exec(format string, args ...any) error {
	_, err := f.DB.SQL().ExecContext(f.Ctx, fmt.Sprintf(format, args...))
	return err
}

// Audits returns the number of audit events with this action on this
// entity id.
func (f *Fixture) Audits(action string, entityID int64) int {
	f.T.Helper()
	return f.Count("SELECT count(*) FROM audit_events WHERE action = %s AND entity_id = %d", Quote(action), entityID)
}

// AuditTotal returns the number of audit events.
func (f *Fixture) AuditTotal() int {
	f.T.Helper()
	return f.Count("SELECT count(*) FROM audit_events")
}

// StoredEvents returns every audit event, oldest first, as stored: personal
// data sealed, as the hash chain covers it.
func (f *Fixture) StoredEvents() []shelf.AuditEvent {
	f.T.Helper()
	var all []shelf.AuditEvent
	filter := shelf.AuditFilter{Limit: shelf.MaxPageSize}
	for {
		var page shelf.AuditPage
		err := f.DB.Read(f.Ctx, func(tx *store.Tx) error {
			var err error
			page, err = tx.AuditEvents(f.Ctx, filter)
			return err
		})
		if err != nil {
			f.T.Fatalf("stored audit events: %v", err)
		}
		all = append(all, page.Events...)
		if page.Next == "" {
			break
		}
		filter.After = page.Next
	}
	slices.Reverse(all)
	return all
}

// Events returns every audit event, oldest first, read through the service
// as the admin (personal data opened).
func (f *Fixture) Events() []shelf.AuditEvent {
	f.T.Helper()
	var all []shelf.AuditEvent
	filter := shelf.AuditFilter{Limit: shelf.MaxPageSize}
	for {
		page, err := f.Svc.AuditEvents(f.Ctx, f.Admin, filter)
		if err != nil {
			f.T.Fatalf("audit events: %v", err)
		}
		all = append(all, page.Events...)
		if page.Next == "" {
			break
		}
		filter.After = page.Next
	}
	slices.Reverse(all)
	return all
}

// EventsOf returns the audit events with this action on this entity id.
func (f *Fixture) EventsOf(action string, entityID int64) []shelf.AuditEvent {
	f.T.Helper()
	id := entityID
	page, err := f.Svc.AuditEvents(f.Ctx, f.Admin, shelf.AuditFilter{Action: action, EntityID: &id, Limit: shelf.MaxPageSize})
	if err != nil {
		f.T.Fatalf("audit events %s on %d: %v", action, entityID, err)
	}
	return page.Events
}

// IsLive reports whether the item row exists and is not in the Trash.
func (f *Fixture) IsLive(id int64) bool {
	f.T.Helper()
	return f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NULL", id) == 1
}

// IsTrashed reports whether the item row exists and is in the Trash.
func (f *Fixture) IsTrashed(id int64) bool {
	f.T.Helper()
	return f.Count("SELECT count(*) FROM items WHERE id = %d AND deleted_at IS NOT NULL", id) == 1
}

// Exists reports whether a row with this id is in table.
func (f *Fixture) Exists(table string, id int64) bool {
	f.T.Helper()
	return f.Count("SELECT count(*) FROM %s WHERE id = %d", table, id) == 1
}

// WantCode fails the test unless err carries the wanted shelf error code
// ("" for no error).
func WantCode(t testing.TB, err error, want, what string) {
	t.Helper()
	if got := shelf.ErrorCode(err); got != want {
		if want == "" {
			t.Fatalf("%s: want success, got %s error: %v", what, got, err)
		}
		t.Fatalf("%s: want a %s error, got %q (%v)", what, want, got, err)
	}
}

// wantBlocker fails the test unless blockers holds one of type typ and id
// whose label contains label.
func wantBlocker(t testing.TB, blockers []shelf.Blocker, typ string, id int64, label string) {
	t.Helper()
	for _, b := range blockers {
		if b.Type == typ && b.ID == id && b.Label == label {
			return
		}
	}
	t.Fatalf("want a %s blocker with id %d labelled %q, got %+v", typ, id, label, blockers)
}

// snapshot decodes an audit event's snapshot.
func snapshot(t testing.TB, e shelf.AuditEvent) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Snapshot, &m); err != nil {
		t.Fatalf("audit event %d: snapshot is not a JSON object: %v (%s)", e.ID, err, e.Snapshot)
	}
	return m
}

// sortedIDs returns a sorted copy of ids, nil as empty, for comparisons.
func sortedIDs(ids []int64) []int64 {
	out := append([]int64{}, ids...)
	slices.Sort(out)
	return out
}

// itemIDs returns the ids of items.
func itemIDs(items []shelf.Item) []int64 {
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// Purged is the count of an EmptyTrash call, for tests that check only
// that: n, err := Purged(f.Svc.EmptyTrash(…)).
func Purged(res shelf.EmptyTrashResult, err error) (int, error) { return res.Purged, err }
