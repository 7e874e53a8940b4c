package platform

import "net/http"

// myPageRoutes mounts 利用者マイページ (screens 18-21, 58-63).
func (s *Server) myPageRoutes(mux *http.ServeMux) {}
