package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"shelf"
	"shelf/service"
)

// The Trash as a recovery tool: a trashed item's own page, and restoring or
// deleting forever the items ticked on the Trash page.

// trashedItemView is the data of a trashed item's read-only page.
type trashedItemView struct {
	service.TrashedItemRecord
	Category string
	PurgeAt  time.Time // when the retention purge takes it
	DaysLeft int
}

// trashedItemPage shows an item in the Trash as it waits there, with its
// notes and loans, and what can be done with it.
func (s *Server) trashedItemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	rec, err := s.svc.TrashedItemWithRecord(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := trashedItemView{TrashedItemRecord: rec, Category: s.categoryNamer(r, nil)(rec.Item.CategoryID)}
	if d := rec.Item.DeletedAt; d != nil {
		v.DaysLeft = daysLeft(*d, s.svc.Now(), s.cfg.TrashRetention)
		v.PurgeAt = d.Add(s.cfg.TrashRetention)
	}
	s.render(w, r, http.StatusOK, "trashed_item", rec.Item.Name+" (in the Trash)", v)
}

// chosenIDs reads the ticked ids of a bulk form; with none ticked it
// re-renders the page the form is on with a field error (422), as a form
// that misses a field does, rather than an error page.
func (s *Server) chosenIDs(w http.ResponseWriter, r *http.Request, again func(status int, msg string)) ([]int64, bool) {
	if !s.readForm(w, r) {
		return nil, false
	}
	ids, err := formIDs(r.PostForm["ids"])
	if err != nil {
		s.htmlError(w, r, err)
		return nil, false
	}
	if len(ids) == 0 {
		again(http.StatusUnprocessableEntity, "Tick at least one item first.")
		return nil, false
	}
	return ids, true
}

// restoreChosen restores the items ticked in the Trash, in one transaction.
func (s *Server) restoreChosen(w http.ResponseWriter, r *http.Request) {
	ids, ok := s.chosenIDs(w, r, func(status int, msg string) { s.renderTrash(w, r, status, msg) })
	if !ok {
		return
	}
	res, err := s.svc.RestoreItems(r.Context(), actor(r), ids)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := flash{Kind: "success", Text: "Restored " + countPhrase(len(res.Restored), "item", "items") + "."}
	if len(res.Restored) == 1 {
		f.Text = "Restored " + quoted(res.Restored[0].Name) + "."
	}
	var kept []string
	if n := len(res.Conflicts); n > 0 {
		labels := make([]string, 0, n)
		for _, c := range res.Conflicts {
			labels = append(labels, quoted(c.Label))
		}
		kept = append(kept, fmt.Sprintf("%s in the Trash, as live items now have their names (%s); restore %s one at a time under a new name",
			countPhrase(n, "item stays", "items stay"), strings.Join(labels, ", "), pick(n, "it", "them")))
	}
	if n := len(res.NotFound); n > 0 {
		kept = append(kept, countPhrase(n, "item was", "items were")+" no longer in the Trash")
	}
	if len(kept) > 0 {
		f.Kind, f.Text = "warning", f.Text+" Not restored: "+strings.Join(kept, "; ")+"."
		if len(res.Restored) == 0 {
			f.Kind, f.Text = "error", "Nothing was restored. "+strings.Join(kept, "; ")+"."
		}
	}
	s.setFlash(r, f)
	redirect(w, r, "/trash")
}

// pick is one when n is 1, else many.
func pick(n int, one, many string) string { return shelf.Noun(n, one, many) }

// purgeManyView is the data of the page that confirms deleting ticked
// items of the Trash forever.
type purgeManyView struct {
	IDs       []int64
	Count     string // the items, in words
	Number    int
	With      string // the notes and loans that go with them, in words ("" for none)
	Names     []string
	More      int
	NeedCount bool
	Reason    reasonField
	Error     string
	Message   string
}

// purgeChosen confirms, then deletes forever the items ticked in the
// Trash, in one transaction; past the friction thresholds the count is
// typed. It cannot be undone, and the page says so.
func (s *Server) purgeChosen(w http.ResponseWriter, r *http.Request) {
	ids, ok := s.chosenIDs(w, r, func(status int, msg string) { s.renderTrash(w, r, status, msg) })
	if !ok {
		return
	}
	if err := shelf.ValidatePurgeIDs(ids); err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := purgeManyView{Reason: reasonField{Value: field(r, "reason")}}
	if field(r, "confirmed") == "1" {
		res, err := s.svc.PurgeItems(r.Context(), actor(r), ids, formConfirmation(r, "confirm_count"))
		if err == nil {
			s.setFlash(r, purgedFlash(res))
			redirect(w, r, "/trash")
			return
		}
		p := s.refusal(w, r, err)
		v.Message, v.Reason.Error, v.Error = refusalMessage(p), p.Errors["reason"], p.Errors["confirm_count"]
		if err := s.renderPurgeMany(w, r, p.Status, ids, v); err != nil {
			s.htmlError(w, r, err)
		}
		return
	}
	if err := s.renderPurgeMany(w, r, http.StatusOK, ids, v); err != nil {
		s.htmlError(w, r, err)
	}
}

// renderPurgeMany renders the confirmation with what the ticked items take
// with them now.
func (s *Server) renderPurgeMany(w http.ResponseWriter, r *http.Request, status int, ids []int64, v purgeManyView) error {
	items, notes, loans, err := s.svc.PurgeItemsImpact(r.Context(), actor(r), ids)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return shelf.Errorf(shelf.ENOTFOUND, "None of the chosen items is in the Trash any more.")
	}
	v.Number, v.Count = len(items), countPhrase(len(items), "item", "items")
	v.With = alongWith(notes, loans)
	v.NeedCount = shelf.EmptyTrashNeedsCount(len(items), notes, loans)
	for _, it := range items {
		v.IDs = append(v.IDs, it.ID)
		if len(v.Names) < bulkShown {
			v.Names = append(v.Names, it.Name)
		}
	}
	v.More = len(items) - len(v.Names)
	s.render(w, r, status, "purge_many", "Delete "+v.Count+" forever?", v)
	return nil
}

// purgedFlash states what a purge of chosen items did, naming what a legal
// hold kept.
func purgedFlash(res shelf.BulkPurgeResult) flash {
	text := "Deleted " + countPhrase(len(res.Purged), "item", "items") + " forever."
	if len(res.Purged) == 1 {
		text = "Deleted " + quoted(res.Purged[0].Name) + " forever."
	}
	var kept []string
	holds := map[int64][]string{}
	for _, b := range res.Blocked {
		holds[b.ItemID] = append(holds[b.ItemID], b.Label)
	}
	for _, it := range res.Held {
		kept = append(kept, fmt.Sprintf("%s (legal hold: %s)", quoted(it.Name), strings.Join(holds[it.ID], ", ")))
	}
	if n := len(res.NotFound); n > 0 {
		kept = append(kept, countPhrase(n, "item was", "items were")+" no longer in the Trash")
	}
	switch {
	case len(kept) == 0:
		return flash{Kind: "success", Text: text}
	case len(res.Purged) == 0:
		return flash{Kind: "error", Text: "Nothing was deleted. Kept: " + strings.Join(kept, "; ") + "."}
	}
	return flash{Kind: "warning", Text: text + " Kept: " + strings.Join(kept, "; ") + "."}
}
