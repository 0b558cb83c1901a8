package web

import (
	"net/http"
	"strconv"
	"strings"

	"shelf"
)

// holdsView is the data of the legal holds page: the holds, the users (to
// name them and to choose one), and the form to place a hold as sent, with
// what is wrong with it.
type holdsView struct {
	Holds  []holdRow
	Users  []shelf.User
	UserID string
	ItemID string
	Reason string
	Errors map[string]string
	Error  string // a refusal that no field explains
}

// holdRow is a hold as the page lists it: what it covers and who placed
// it, in words.
type holdRow struct {
	shelf.Hold
	Covers   string
	PlacedBy string
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// holdsPage lists the legal holds, with a form to place one.
func (s *Server) holdsPage(w http.ResponseWriter, r *http.Request) {
	s.renderHolds(w, r, http.StatusOK, holdsView{})
}

func (s *Server) renderHolds(w http.ResponseWriter, r *http.Request, status int, v holdsView) {
	ctx, a := r.Context(), actor(r)
	hs, err := s.svc.Holds(ctx, a)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	us, err := s.svc.Users(ctx, a)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	names := make(map[int64]string, len(us))
	for _, u := range us {
		names[u.ID] = u.Name
	}
	v.Users, v.Holds = us, make([]holdRow, len(hs))
	for i, h := range hs {
		row := holdRow{Hold: h, Covers: "Item #" + itoa(derefID(h.ItemID))}
		if h.UserID != nil {
			row.Covers = "Everything of " + names[*h.UserID] + " (user #" + itoa(*h.UserID) + ")"
		}
		if h.PlacedBy != nil {
			row.PlacedBy = names[*h.PlacedBy]
		}
		v.Holds[i] = row
	}
	s.render(w, r, status, "holds", "Legal holds", v)
}

// optionalID reads a form's optional id field: nil when empty, and an
// error message when it is not a positive whole number.
func optionalID(raw string) (*int64, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ""
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, "Enter an id, a positive whole number."
	}
	return &id, ""
}

// placeHold places a hold from the form: a user chosen from the list, or
// an item by its id, and the reason.
func (s *Server) placeHold(w http.ResponseWriter, r *http.Request) {
	if !s.readForm(w, r) {
		return
	}
	v := holdsView{UserID: field(r, "user_id"), ItemID: field(r, "item_id"), Reason: field(r, "reason"), Errors: map[string]string{}}
	in := shelf.HoldInput{Reason: v.Reason}
	var msg string
	if in.UserID, msg = optionalID(v.UserID); msg != "" {
		v.Errors["user_id"] = msg
	}
	if in.ItemID, msg = optionalID(v.ItemID); msg != "" {
		v.Errors["item_id"] = msg
	}
	if len(v.Errors) > 0 {
		s.renderHolds(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	h, err := s.svc.PlaceHold(r.Context(), actor(r), in)
	if err != nil {
		p := s.refusal(w, r, err)
		v.Errors, v.Error = p.Errors, refusalMessage(p)
		s.renderHolds(w, r, p.Status, v)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Placed legal hold #" + itoa(h.ID) + "."})
	redirect(w, r, "/admin/holds")
}

// releaseHold releases a hold; what it kept can be deleted for good again.
func (s *Server) releaseHold(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	if err := s.svc.ReleaseHold(r.Context(), actor(r), id); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Released legal hold #" + itoa(id) + "."})
	redirect(w, r, "/admin/holds")
}
