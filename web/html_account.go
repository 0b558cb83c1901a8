package web

import (
	"net/http"
)

// accountView is the data of the account page.
type accountView struct{}

// accountPage shows the user their account: the download of their data
// and the way to delete the account.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account", "Your account", accountView{})
}
