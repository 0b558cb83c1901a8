package servicetest

import (
	"testing"
	"time"

	"shelf"
)

// testJobThresholdCountsWhatGoes: whether emptying a Trash is a job counts
// only the rows it would delete: not those of held items, not those an
// emptying job already covers, and nothing when a hold covers the owner.
func testJobThresholdCountsWhatGoes(t *testing.T, f *Fixture) {
	// Alice: 3 items with a note each, one held: 4 rows go.
	items := f.trashedWithNotes(f.Alice, "Tin", 3, 1)
	f.hold(shelf.HoldInput{ItemID: idp(items[0].ID), Reason: "Case 11"})
	res, err := f.jobService(4).EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || res.Job != nil || res.Purged != 2 || len(res.Blocked) != 1 {
		t.Fatalf("empty a Trash of 4 rows that go and 2 held, threshold 4: want it emptied at once, got %+v, %v", res, err)
	}

	// Bob: the same, threshold 3: a job.
	items = f.trashedWithNotes(f.Bob, "Jar", 3, 1)
	f.hold(shelf.HoldInput{ItemID: idp(items[0].ID), Reason: "Case 12"})
	res, err = f.jobService(3).EmptyTrash(f.Ctx, f.Bob, 0, shelf.Confirmation{})
	if err != nil || res.Job == nil {
		t.Fatalf("empty a Trash of 4 rows that go and 2 held, threshold 3: want a job, got %+v, %v", res, err)
	}
	// What the job covers is not counted again: 4 rows trashed since go at once.
	f.Clock.Advance(time.Second)
	f.trashedWithNotes(f.Bob, "Pot", 2, 1)
	res, err = f.jobService(4).EmptyTrash(f.Ctx, f.Bob, 0, shelf.Confirmation{})
	if err != nil || res.Job != nil || res.Purged != 2 {
		t.Fatalf("empty the 4 rows trashed after a job's cutoff, threshold 4: want them emptied at once, got %+v, %v", res, err)
	}

	// A hold on the owner keeps everything: nothing goes, no job.
	f.trashedWithNotes(f.Alice, "Urn", 3, 1)
	f.hold(shelf.HoldInput{UserID: idp(f.Alice.UserID), Reason: "Case 13"})
	res, err = f.jobService(1).EmptyTrash(f.Ctx, f.Alice, 0, shelf.Confirmation{})
	if err != nil || res.Job != nil || res.Purged != 0 {
		t.Fatalf("empty a held owner's Trash, threshold 1: want nothing emptied and no job, got %+v, %v", res, err)
	}
}
