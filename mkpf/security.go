package mkpf

// Error codes added by the security hardening (docs/security.md).
const (
	CodeUnavailable         = "unavailable"           // the platform is busy (password checks are bounded); retry later
	CodePointsLoginRequired = "points_login_required" // a points call without the screen-2 login's session
	CodeIssuerFixed         = "issuer_fixed"          // screen 10 tried to change an issuer fixed by the roster/admin
)

// PointsSessionHeader carries the screen-2 login's session on every /v1/points/* call but the login itself.
const PointsSessionHeader = "X-Points-Session"
