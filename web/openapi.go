package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes the JSON API; tests keep it true to the router.
//
//go:embed openapi.yaml
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openAPIDoc)
}
