package web

import (
	"net/http"
	"strings"

	"shelf"
)

// usersView is the data of the users page.
type usersView struct {
	Users []shelf.ListedUser
	Me    int64
}

// usersPage lists every user, each with a link to delete them.
func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	us, err := s.svc.UserList(r.Context(), actor(r))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := usersView{Users: us, Me: actor(r).UserID}
	s.render(w, r, http.StatusOK, "users", "Users", v)
}

// userDeleteView is the data of the page that confirms deleting a user, or
// says what blocks it and offers to transfer their items first.
type userDeleteView struct {
	Target   shelf.User
	Live     string
	Trashed  string
	Blockers []shelf.Blocker
	Message  string       // why the last delete was refused
	Others   []shelf.User // who could receive the items
	Transfer transferForm
}

// transferForm is the transfer form as sent, and why it was refused.
type transferForm struct {
	Sent     bool // the failure being shown is the transfer's
	To       int64
	Confirm  bool   // chosen: ask once more, saying what it does
	ToName   string // the recipient, named in that question
	Message  string
	Errors   map[string]string
	Blockers []shelf.Blocker
	Rename   bool // sent: rename the items whose names the recipient uses
	// CanRename offers, after a refusal for names the recipient already
	// uses, to transfer again renaming those items.
	CanRename bool
}

// deleteUserPage states the impact of deleting a user: 409 with the
// blockers while they own items (or it is oneself), else a plain confirm.
func (s *Server) deleteUserPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	s.renderUserDelete(w, r, id, nil, transferForm{})
}

// renderUserDelete renders the user delete page; failure is why a delete was
// refused, tf what a refused transfer was sent with.
func (s *Server) renderUserDelete(w http.ResponseWriter, r *http.Request, id int64, failure error, tf transferForm) {
	ctx, a := r.Context(), actor(r)
	im, err := s.svc.DeleteUserImpact(ctx, a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	u := im.User
	v := userDeleteView{Target: u, Blockers: im.Blockers, Message: im.Message, Transfer: tf,
		Live: countPhrase(im.LiveItems, "live item", "live items"), Trashed: countPhrase(im.TrashedItems, "trashed item", "trashed items")}
	if im.LiveItems+im.TrashedItems > 0 {
		us, err := s.svc.Users(ctx, a)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		for _, o := range us {
			if o.ID != u.ID {
				v.Others = append(v.Others, o)
				if o.ID == tf.To {
					v.Transfer.ToName = o.Name
				}
			}
		}
	}
	status := http.StatusOK
	if len(im.Blockers) > 0 {
		status = http.StatusConflict
	}
	if tf.Confirm && v.Transfer.ToName == "" {
		failure = shelf.Invalid(map[string]string{"to": "Choose who receives the items."})
		v.Transfer.Sent = true
		tf.Sent = true
	} else if tf.Confirm {
		status = http.StatusOK // note: the question, not the refused delete
	}
	if failure != nil {
		p := s.refusal(w, r, failure)
		status = p.Status
		if tf.Sent {
			v.Transfer.Message, v.Transfer.Errors, v.Transfer.Blockers = p.Detail, p.Errors, p.Blockers
			v.Transfer.CanRename = shelf.ErrorCode(failure) == shelf.ENAMETAKEN && !tf.Rename && v.Transfer.ToName != ""
		} else {
			v.Message = p.Detail
		}
	}
	s.render(w, r, status, "user_delete", "Delete "+u.Name+"?", v)
}

// deleteUser deletes a user; refused while they own items (409), the page
// comes back with the reason.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	u, err := s.svc.DeleteUser(r.Context(), actor(r), id)
	if err != nil {
		s.renderUserDelete(w, r, id, err, transferForm{})
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Deleted the user " + u.Name + " (" + u.Email + ")."})
	redirect(w, r, "/admin/users")
}

// transferItems gives all of a user's items, live and trashed, to another
// user (field to), so that the user can then be deleted.
func (s *Server) transferItems(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	// note: a recipient that is not an id is no recipient; the service
	// says what to do about it.
	to, _ := parseID(field(r, "to"))
	if field(r, "confirmed") != "1" && to != 0 && to != id {
		s.renderUserDelete(w, r, id, nil, transferForm{To: to, Confirm: true})
		return
	}
	rename := field(r, "rename") == "1"
	transfer := s.svc.TransferItems
	if rename {
		transfer = s.svc.TransferItemsRenaming
	}
	res, err := transfer(r.Context(), actor(r), id, to)
	if err != nil {
		s.renderUserDelete(w, r, id, err, transferForm{Sent: true, To: to, Rename: rename})
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Transferred " + countPhrase(int(res.Transferred), "item", "items") + " to " + res.To.Name + "." + renamedPhrase(res.Renamed)})
	redirect(w, r, "/admin/users/"+itoa(id)+"/delete")
}

// unlockLogins lets a user whom failed logins locked out log in again.
func (s *Server) unlockLogins(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	if err := s.svc.UnlockLogins(r.Context(), actor(r), id); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Their failed logins are forgotten; they can log in again."})
	redirect(w, r, "/admin/users")
}

// renamedShown caps how many renamed items a flash names.
const renamedShown = 3

// renamedPhrase says which items a transfer renamed, naming the first few.
func renamedPhrase(rs []shelf.Renamed) string {
	if len(rs) == 0 {
		return ""
	}
	var parts []string
	for i, r := range rs {
		if i == renamedShown {
			parts = append(parts, "and "+countPhrase(len(rs)-renamedShown, "other", "others"))
			break
		}
		parts = append(parts, quoted(r.From)+" is now "+quoted(r.To))
	}
	return " Renamed " + countPhrase(len(rs), "item", "items") + " whose names they already used: " + strings.Join(parts, ", ") + "."
}
