package platform

import (
	"net/http"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// routes is the one place where the API's paths, methods and the terminal kinds allowed on each are declared.
// The points half adds its routes with one line (s.pointRoutes(mux)).
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Unauthenticated: enrollment (screen 9) and device-key authentication.
	mux.HandleFunc("POST /v1/enroll", s.handleEnroll)
	mux.HandleFunc("POST /v1/auth/challenge", s.handleChallenge)
	mux.HandleFunc("POST /v1/auth/token", s.handleToken)
	mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})

	// Any enrolled terminal.
	mux.Handle("GET /v1/terminal", s.Authed(s.handleTerminal))
	mux.Handle("GET /v1/issuers", s.Authed(s.handleIssuers))
	mux.Handle("GET /v1/contact", s.Authed(s.handleGetContact))
	mux.Handle("PUT /v1/contact", s.Authed(s.handlePutContact))

	// Service-ID terminals (ア): screens 23-26.
	mux.Handle("POST /v1/lookup", s.lookupRoute()) // lookup_pg.go: Authed(handleLookup) on bbolt
	mux.Handle("POST /v1/service-ids", s.Authed(s.handleRegister, mkpf.KindServiceID))

	// Other halves of the server mount their routes here, one line each.
	s.pointRoutes(mux)  // points: screens 2, 28-39, 87 (points.go)
	s.grantRoutes(mux)  // grants: screens 64-66, 71-79 (grants.go)
	s.patronRoutes(mux) // patron desk: screens 14-21, 58-63 (mykeyid.go)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.WriteError(w, r, Errf(http.StatusNotFound, mkpf.CodeNotFound, "この機能はプラットフォームにありません。ソフトウェアを最新版に更新してください。"))
	})
	return mux
}
