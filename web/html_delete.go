package web

import (
	"fmt"
	"net/http"
	"strings"

	"shelf"
)

// itemDeleteView is the data of the page that confirms moving an item to the
// Trash: what goes with it, or what blocks it.
type itemDeleteView struct {
	Item     shelf.Item
	With     string // the notes and loans that go with it, in words ("" for none)
	Blockers []shelf.Blocker
	Message  string // why it cannot be deleted, or why the last try failed
}

// deleteItemPage is the no-JavaScript path of a delete button: it states the
// impact, or the blockers (409, with no delete button).
func (s *Server) deleteItemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	s.renderItemDelete(w, r, id, nil)
}

// deleteItem moves an item to the Trash.
func (s *Server) deleteItem(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	s.trashItem(w, r, id)
}

// trashItem moves an item to the Trash and offers Undo; a refusal shows the
// confirmation page again with the reason, never a redirect.
func (s *Server) trashItem(w http.ResponseWriter, r *http.Request, id int64) {
	version, err := formVersion(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	// note: one write transaction; the trashed item it returns names the
	// flash, and its cohort is what Undo restores, as the script's Undo does.
	it, err := s.svc.TrashItem(r.Context(), actor(r), id, version)
	if err != nil {
		s.renderItemDelete(w, r, id, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Moved " + quoted(it.Name) + " to the Trash.",
		Undo: "/trash/restore", Cohort: it.Cohort})
	redirect(w, r, "/items")
}

// renderItemDelete renders the confirmation page; failure, when set, is why
// the last attempt was refused, and sets the status.
func (s *Server) renderItemDelete(w http.ResponseWriter, r *http.Request, id int64, failure error) {
	ctx, a := r.Context(), actor(r)
	it, err := s.svc.Item(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	im, err := s.svc.ItemImpact(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := itemDeleteView{Item: it, With: alongWith(im.Notes, im.Loans), Blockers: im.Blockers}
	status := http.StatusOK
	if failure == nil {
		failure = im.Refusal
	}
	if failure != nil {
		p := s.refusal(w, r, failure)
		status, v.Message = p.Status, p.Detail
		if len(p.Blockers) > 0 {
			v.Blockers = p.Blockers
		}
	}
	title := "Delete " + quoted(it.Name) + "?"
	if len(v.Blockers) > 0 {
		// note: a page that cannot delete does not ask whether to.
		title = quoted(it.Name) + " cannot be deleted yet"
		if onlyLoans(v.Blockers) {
			title = quoted(it.Name) + " is on loan"
		}
	}
	s.render(w, r, status, "item_delete", title, v)
}

// onlyLoans reports whether every blocker is a loan, which the person can
// mark returned from where they are.
func onlyLoans(bs []shelf.Blocker) bool {
	for _, b := range bs {
		if b.Type != shelf.BlockLoan {
			return false
		}
	}
	return true
}

// bulkDeleteView is the data of the page that confirms a bulk delete.
type bulkDeleteView struct {
	IDs       []int64
	Count     string // "3 items"
	Number    int
	Names     []string    // the first few, to recognise the choice
	More      int         // how many more were chosen
	NeedCount bool        // the user must type the count
	Reason    reasonField // optional; kept in each item's audit event
	Error     string      // what is wrong with the typed count
	Message   string      // why nothing was deleted
	Action    string      // where the form posts
	Matching  *matchingNote
}

// bulkShown is how many names the bulk confirmation lists.
const bulkShown = 10

// bulkDeleteItems confirms, then moves the checked items to the Trash in one
// transaction, as one cohort that one Undo brings back.
func (s *Server) bulkDeleteItems(w http.ResponseWriter, r *http.Request) {
	ids, ok := s.chosenIDs(w, r, func(status int, msg string) { s.renderItems(w, r, status, msg) })
	if !ok {
		return
	}
	if err := shelf.ValidateBulkIDs(ids); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := bulkDeleteView{IDs: ids, Number: len(ids), Action: "/items/bulk-delete", Count: countPhrase(len(ids), "item", "items"), NeedCount: shelf.BulkNeedsCount(len(ids)),
		Reason: reasonField{Value: field(r, "reason")}}
	if field(r, "confirmed") != "1" {
		s.renderBulkDelete(w, r, http.StatusOK, v)
		return
	}
	res, err := s.svc.TrashItems(r.Context(), actor(r), ids, formConfirmation(r, "confirm_count"))
	if err != nil {
		p := s.refusal(w, r, err)
		v.Message, v.Reason.Error, v.Error = refusalMessage(p), p.Errors["reason"], p.Errors["confirm_count"]
		s.renderBulkDelete(w, r, p.Status, v)
		return
	}
	if res.Job != nil {
		redirect(w, r, jobPath(res.Job.ID))
		return
	}
	s.setFlash(r, bulkFlash(res))
	redirect(w, r, "/items")
}

// bulkFlash states the counts of a bulk delete, with Undo for its cohort;
// a partial result is a warning that names what was kept and why.
func bulkFlash(res shelf.BulkTrashResult) flash {
	var rest string
	if n := len(res.NotFound); n > 0 {
		rest += fmt.Sprintf(" %s not found.", countPhrase(n, "item was", "items were"))
	}
	if len(res.Kept) > 0 {
		why := map[int64][]string{}
		for _, b := range res.Blocked {
			why[b.ItemID] = append(why[b.ItemID], blockerPhrase(b.Blocker))
		}
		kept := make([]string, 0, len(res.Kept))
		for _, it := range res.Kept {
			kept = append(kept, quoted(it.Name)+" ("+strings.Join(why[it.ID], ", ")+")")
		}
		rest += " Not moved: " + strings.Join(kept, "; ") + "."
	}
	if len(res.Trashed) == 0 {
		return flash{Kind: "error", Text: "Nothing was moved to the Trash." + rest}
	}
	f := flash{Kind: "success", Text: "Moved " + countPhrase(len(res.Trashed), "item", "items") + " to the Trash." + rest,
		Undo: "/trash/restore", Cohort: res.Cohort}
	if rest != "" {
		f.Kind = "warning"
	}
	return f
}

// blockerPhrase words a blocker as the pages list it.
func blockerPhrase(b shelf.Blocker) string {
	switch b.Type {
	case shelf.BlockLoan:
		return "lent to " + b.Label
	case shelf.BlockHold:
		return "legal hold: " + b.Label
	}
	return b.Label
}

// renderBulkDelete names the first few chosen items, so the user sees what
// they chose; ids that are gone or not theirs are simply not named.
func (s *Server) renderBulkDelete(w http.ResponseWriter, r *http.Request, status int, v bulkDeleteView) {
	ctx, a := r.Context(), actor(r)
	for i, id := range v.IDs {
		if i == bulkShown {
			v.More = len(v.IDs) - bulkShown
			break
		}
		if it, err := s.svc.Item(ctx, a, id); err == nil {
			v.Names = append(v.Names, it.Name)
		} else if shelf.ErrorCode(err) != shelf.ENOTFOUND {
			s.htmlError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "bulk_delete", "Delete "+v.Count+"?", v)
}
