package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"shelf"
)

// trashView is the data of the Trash page.
type trashView struct {
	List      listing
	Groups    []trashGroup // the rows, by the delete that trashed them
	Filtered  bool         // by a search or a category
	Retention int          // days
	Photos    []shelf.Photo
	IDsError  string // nothing was ticked for a bulk action
}

// trashGroup is the rows of one delete request (one cohort) on the page,
// which "Restore all" brings back together.
type trashGroup struct {
	Cohort    string
	DeletedAt time.Time
	Rows      []itemRow
}

// groupByCohort puts consecutive rows of one cohort together; the Trash is
// listed by deletion time, so a delete's rows are next to each other.
func groupByCohort(rows []itemRow) []trashGroup {
	var groups []trashGroup
	for _, row := range rows {
		if n := len(groups); n > 0 && groups[n-1].Cohort == row.Cohort {
			groups[n-1].Rows = append(groups[n-1].Rows, row)
			continue
		}
		g := trashGroup{Cohort: row.Cohort, Rows: []itemRow{row}}
		if row.DeletedAt != nil {
			g.DeletedAt = *row.DeletedAt
		}
		groups = append(groups, g)
	}
	return groups
}

// trashedPhotosShown caps the photos the Trash page shows; the rest wait
// their turn (emptying the Trash and the retention purge take them all).
const trashedPhotosShown = 50

// trashPage lists the Trash, most recently trashed first, with the days each
// item has left before the retention purge.
func (s *Server) trashPage(w http.ResponseWriter, r *http.Request) {
	s.renderTrash(w, r, http.StatusOK, "")
}

// renderTrash renders the Trash page with a status; idsError says that a
// bulk action came with nothing ticked.
func (s *Server) renderTrash(w http.ResponseWriter, r *http.Request, status int, idsError string) {
	l, err := s.listItems(r, "/trash", s.svc.Trash)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	photos, err := s.svc.TrashedPhotos(r.Context(), actor(r), l.All, trashedPhotosShown)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	now := s.svc.Now()
	for i := range l.rows {
		if d := l.rows[i].DeletedAt; d != nil {
			l.rows[i].DaysLeft = daysLeft(*d, now, s.cfg.TrashRetention)
			l.rows[i].PurgeAt = d.Add(s.cfg.TrashRetention)
		}
	}
	s.render(w, r, status, "trash", "Trash",
		trashView{List: l.listing, Groups: groupByCohort(l.rows), Filtered: l.filter.Query != "" || l.filter.CategoryID != nil,
			Retention: int(s.cfg.TrashRetention.Hours() / 24), Photos: photos, IDsError: idsError})
}

// daysLeft is how many days (rounded up, at least 0) an item trashed at
// deleted has before the retention purge takes it.
func daysLeft(deleted, now time.Time, retention time.Duration) int {
	left := retention - now.Sub(deleted)
	if left <= 0 {
		return 0
	}
	return int(math.Ceil(left.Hours() / 24))
}

// restoreView is the data of the page shown when a restore collides with a
// live item's name: it offers to restore under another name.
type restoreView struct {
	Item    shelf.Item
	Name    string
	Message string
	Error   string
}

// restoreItem brings one item back from the Trash, under a new name if the
// form gives one (field name); it is also the Undo of deleting one item.
func (s *Server) restoreItem(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	ctx, a := r.Context(), actor(r)
	name := field(r, "name")
	it, err := s.svc.RestoreItem(ctx, a, id, name)
	if e := shelf.AsError(err); e != nil && (e.Code == shelf.ENAMETAKEN || e.Code == shelf.ECONFLICT || e.Code == shelf.EINVALID) {
		trashed, terr := s.svc.TrashedItem(ctx, a, id)
		if terr != nil {
			s.htmlError(w, r, terr)
			return
		}
		v := restoreView{Item: trashed, Name: name, Message: e.Message, Error: e.Fields["name"]}
		if v.Name == "" {
			v.Name = trashed.Name + " (restored)"
		}
		s.render(w, r, statusOf(e.Code), "restore_conflict", "Restore "+quoted(trashed.Name), v)
		return
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Restored " + quoted(it.Name) + "."})
	redirect(w, r, "/items")
}

// restoreCohort undoes one delete request: everything it trashed comes back,
// except items whose names are taken now, which the flash names.
func (s *Server) restoreCohort(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	res, err := s.svc.RestoreCohort(r.Context(), actor(r), field(r, "cohort"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := flash{Kind: "success", Text: "Restored " + countPhrase(len(res.Restored), "item", "items") + "."}
	if len(res.Restored) == 1 {
		f.Text = "Restored " + quoted(res.Restored[0].Name) + "."
	}
	if n := len(res.Conflicts); n > 0 {
		labels := make([]string, 0, n)
		for _, c := range res.Conflicts {
			labels = append(labels, c.Label)
		}
		f.Text += fmt.Sprintf(" %s still in the Trash, as live items now have their names: %s.", countPhrase(n, "item is", "items are"), strings.Join(labels, ", "))
		if len(res.Restored) == 0 {
			f.Kind = "error"
		}
	}
	if len(res.Restored) == 0 && len(res.Photos) > 0 {
		// note: the Undo of a photo delete goes back to the photo's item.
		text := "Restored the photo."
		if len(res.Photos) > 1 {
			text = "Restored " + countPhrase(len(res.Photos), "photo", "photos") + "."
		}
		s.setFlash(r, flash{Kind: "success", Text: text})
		redirect(w, r, "/items/"+itoa(res.Photos[0].ItemID))
		return
	}
	s.setFlash(r, f)
	redirect(w, r, "/items")
}

// purgeView is the data of the page that confirms deleting an item forever.
type purgeView struct {
	Item     shelf.Item
	With     string // the notes and loans that go with it, in words ("" for none)
	NeedName bool   // the cascade is big: the user types the item's name
	Typed    string
	Reason   reasonField
	Error    string
	Message  string
	Blockers []shelf.Blocker // what keeps it (legal holds): no delete button
}

// purgeItemPage confirms a permanent delete, with what it destroys.
func (s *Server) purgeItemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	s.renderPurge(w, r, http.StatusOK, id, purgeView{})
}

// purgeItem deletes an item in the Trash forever, with its notes and loans;
// a big cascade needs the item's name typed. The reason goes to the audit log.
func (s *Server) purgeItem(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	v := purgeView{Typed: field(r, "confirm_name"), Reason: reasonField{Value: field(r, "reason")}}
	res, err := s.svc.PurgeItem(r.Context(), actor(r), id, formConfirmation(r, "confirm_name"))
	if err != nil {
		p := s.refusal(w, r, err)
		v.Message, v.Reason.Error, v.Error = refusalMessage(p), p.Errors["reason"], p.Errors["confirm_name"]
		s.renderPurge(w, r, p.Status, id, v)
		return
	}
	if res.Job != nil {
		redirect(w, r, jobPath(res.Job.ID))
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Deleted " + quoted(res.Item.Name) + " forever."})
	redirect(w, r, "/trash")
}

// renderPurge renders the purge confirmation with the impact counted now.
func (s *Server) renderPurge(w http.ResponseWriter, r *http.Request, status int, id int64, v purgeView) {
	it, im, err := s.purgeTarget(r, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Item, v.NeedName, v.Blockers = it, shelf.PurgeNeedsName(im), im.Blockers
	if len(v.Blockers) > 0 && status == http.StatusOK {
		status = http.StatusConflict
	}
	v.With = alongWith(im.Notes, im.Loans)
	s.render(w, r, status, "purge_item", "Delete "+quoted(it.Name)+" forever?", v)
}

// purgeTarget reads the trashed item id that the actor may purge, and what
// purging it would destroy.
func (s *Server) purgeTarget(r *http.Request, id int64) (shelf.Item, shelf.Impact, error) {
	ctx, a := r.Context(), actor(r)
	it, err := s.svc.TrashedItem(ctx, a, id)
	if err != nil {
		return shelf.Item{}, shelf.Impact{}, err
	}
	im, err := s.svc.PurgeImpact(ctx, a, id)
	return it, im, err
}

// emptyTrashView is the data of the page that confirms emptying a Trash: the
// user's own, or (for an admin) another user's.
type emptyTrashView struct {
	Owner     int64  // whose Trash when not the user's own, else 0
	Whose     string // "your Trash", "Bob’s Trash"
	Number    int    // items in the Trash (capped)
	Count     string // the items, in words
	With      string // the notes and loans that go with them, in words ("" for none)
	NeedCount bool   // a big Trash: the user types the number of items
	Reason    reasonField
	Error     string // what is wrong with the typed count
	Message   string // why the Trash was not emptied
}

// emptyTrashImpact counts what emptying the Trash named by the request's
// owner parameter (the user's own when absent) would delete, and whether the
// count must be typed (shelf.EmptyTrashNeedsCount).
func (s *Server) emptyTrashImpact(r *http.Request) (emptyTrashView, error) {
	ctx, a := r.Context(), actor(r)
	v := emptyTrashView{Whose: "your Trash"}
	// note: the confirmation page names the owner in its query, the form
	// posts it back in the body.
	raw := r.URL.Query().Get("owner")
	if r.Method == http.MethodPost {
		raw = field(r, "owner")
	}
	if raw != "" {
		id, err := parseID(raw)
		if err != nil {
			return v, err
		}
		if id != a.UserID {
			u, err := s.svc.User(ctx, a, id)
			if err != nil {
				return v, err
			}
			v.Owner, v.Whose = id, u.Name+"’s Trash"
		}
	}
	items, notes, loans, err := s.svc.EmptyTrashImpact(ctx, a, v.Owner, shelf.ImpactCap)
	v.Number, v.Count = items, countPhrase(items, "item", "items")
	v.With = alongWith(notes, loans)
	v.NeedCount = shelf.EmptyTrashNeedsCount(items, notes, loans)
	return v, err
}

// emptyTrashTitle is the confirmation's title.
func emptyTrashTitle(v emptyTrashView) string {
	return "Empty " + v.Whose + "?"
}

// emptyTrashPage confirms emptying a Trash, with what it takes.
func (s *Server) emptyTrashPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.emptyTrashImpact(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "empty_trash", emptyTrashTitle(v), v)
}

// emptyTrash purges a Trash, in batches; a big Trash needs the count typed,
// checked against the count now, not the one shown. A reason goes to every
// purged item's audit event.
func (s *Server) emptyTrash(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	v, err := s.emptyTrashImpact(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v.Reason.Value = field(r, "reason")
	res, err := s.svc.EmptyTrash(r.Context(), actor(r), v.Owner, formConfirmation(r, "confirm_count"))
	purged := res.Purged
	if err != nil {
		// note: the batches done before the failure stay done; the page
		// shows what is left.
		p := s.refusal(w, r, err)
		now, ierr := s.emptyTrashImpact(r)
		if ierr != nil {
			s.htmlError(w, r, err)
			return
		}
		now.Reason = reasonField{Value: v.Reason.Value, Error: p.Errors["reason"]}
		now.Error = p.Errors["confirm_count"]
		now.Message = refusalMessage(p)
		if purged > 0 {
			now.Message = fmt.Sprintf("%s (%s purged before it stopped.)", p.Detail, countPhrase(purged, "item was", "items were"))
		}
		s.render(w, r, p.Status, "empty_trash", emptyTrashTitle(now), now)
		return
	}
	if res.Job != nil {
		redirect(w, r, jobPath(res.Job.ID))
		return
	}
	held := heldPhrase(res.Blocked)
	if v.Owner != 0 {
		s.setFlash(r, flash{Kind: "success", Text: "Purged " + countPhrase(purged, "item", "items") + " from " + v.Whose + "." + held})
		redirect(w, r, "/trash?all=1")
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Purged " + countPhrase(purged, "item", "items") + "." + held})
	redirect(w, r, "/trash")
}

// heldPhrase tells, after an emptied Trash, how many items legal holds kept
// in it ("" when none did).
func heldPhrase(blocked []shelf.BulkBlocker) string {
	items := map[int64]bool{}
	for _, b := range blocked {
		items[b.ItemID] = true
	}
	if len(items) == 0 {
		return ""
	}
	return " " + countPhrase(len(items), "item stays", "items stay") + " in the Trash under a legal hold."
}
