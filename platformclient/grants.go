package platformclient

// The terminal side of administrative point grants (seed 004 §V; docs/grants.md): the grant office's projects and
// roster membership (screens 64-66, 74-76), and the grant phone's sync and upload (screens 78-79).
//
// Every state-changing call here is safe to retry: project creation carries an idempotency key, roster membership
// is a set, an upload and a without-card grant carry a GrantID made on the device that the platform applies once.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// NewGrantID returns a fresh device grant ID (16 random bytes, hex) for one tap or one without-card grant.
func NewGrantID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// GrantProjects lists the grant projects of the terminal's municipality and the municipal programs a new project
// may grant (grant office and grant phone; screens 64 and 78).
func (c *Client) GrantProjects(ctx context.Context) (*mkpf.GrantProjectList, error) {
	return doAs[mkpf.GrantProjectList](ctx, c, http.MethodGet, "/v1/grants/projects", nil, "")
}

// CreateGrantProject is screen 65 [登録] (grant office). opKey identifies the operation (draw it with
// NewIdempotencyKey when screen 65 opens, so a double click or a retry creates one project); "" draws one.
func (c *Client) CreateGrantProject(ctx context.Context, req mkpf.GrantProjectRequest, opKey string) (*mkpf.GrantProject, error) {
	if opKey == "" {
		opKey = NewIdempotencyKey()
	}
	return doAs[mkpf.GrantProject](ctx, c, http.MethodPost, "/v1/grants/projects", req, opKey)
}

// CloseGrantProject closes a project: no more grants (grant office).
func (c *Client) CloseGrantProject(ctx context.Context, projectID string) (*mkpf.GrantProject, error) {
	return doAs[mkpf.GrantProject](ctx, c, http.MethodPost, "/v1/grants/projects/"+url.PathEscape(projectID)+"/close", nil, NewIdempotencyKey())
}

// AddParticipants puts MyKey IDs (74, 75) or the MyKey ID of a card read on 76 (req.AuthCert) on a project's roster,
// all or nothing (grant office).
func (c *Client) AddParticipants(ctx context.Context, projectID string, req mkpf.ParticipantsRequest) (*mkpf.ParticipantsResult, error) {
	return doAs[mkpf.ParticipantsResult](ctx, c, http.MethodPost, "/v1/grants/projects/"+url.PathEscape(projectID)+"/participants", req, NewIdempotencyKey())
}

// SyncGrantRoster is screen 78 [付与事業対象者名簿の同期（取得）] (grant phone): the project's roster as keyed hashes
// under a key made for this sync.
func (c *Client) SyncGrantRoster(ctx context.Context, projectID string) (*mkpf.GrantSync, error) {
	return doAs[mkpf.GrantSync](ctx, c, http.MethodPost, "/v1/grants/projects/"+url.PathEscape(projectID)+"/sync", nil, NewIdempotencyKey())
}

// UploadGrants is screen 79 [自治体ポイント管理クラウドへ登録] (grant phone). Each item's GrantID is applied once, so
// the same items may be sent again after a lost answer: the platform answers them the same and applies nothing new.
func (c *Client) UploadGrants(ctx context.Context, items []mkpf.GrantUploadItem) (*mkpf.GrantUploadResult, error) {
	return doAs[mkpf.GrantUploadResult](ctx, c, http.MethodPost, "/v1/grants/upload", mkpf.GrantUploadRequest{Grants: items}, NewIdempotencyKey())
}

// GrantWithoutCard grants to a participant who forgot the card, after the identity check on screen 76 (§V(7);
// grant office). grantID (NewGrantID) makes a retry apply once.
func (c *Client) GrantWithoutCard(ctx context.Context, projectID, grantID, myKeyID string) (*mkpf.GrantUploadResult, error) {
	return doAs[mkpf.GrantUploadResult](ctx, c, http.MethodPost, "/v1/grants/projects/"+url.PathEscape(projectID)+"/grant-without-card",
		mkpf.WithoutCardRequest{GrantID: grantID, MyKeyID: myKeyID}, NewIdempotencyKey())
}

// GrantTaps is the office's report of a project's taps per hour per phone (grant office).
func (c *Client) GrantTaps(ctx context.Context, projectID string) (*mkpf.GrantTapReport, error) {
	return doAs[mkpf.GrantTapReport](ctx, c, http.MethodGet, "/v1/grants/projects/"+url.PathEscape(projectID)+"/taps", nil, "")
}
