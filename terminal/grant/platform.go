package grant

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// Platform is what this package needs of the MyKey Platform (the routes of mkpf/grant.go). *platformclient.Client
// gives it through FromClient; tests may give their own.
type Platform interface {
	// GrantProjects lists the projects of the terminal's municipality (screens 74, 76, 78).
	GrantProjects(ctx context.Context) (*mkpf.GrantProjectList, error)
	// AddParticipants puts MyKey IDs (or the MyKey ID of a card's auth certificate) on a project's roster.
	AddParticipants(ctx context.Context, projectID string, req mkpf.ParticipantsRequest) (*mkpf.ParticipantsResult, error)
	// SyncRoster fetches a project's roster as keyed hashes for a grant phone (screen 78).
	SyncRoster(ctx context.Context, projectID string) (*mkpf.GrantSync, error)
	// UploadGrants sends grants stored on the device (screen 79); a GrantID already applied is answered as accepted.
	UploadGrants(ctx context.Context, req mkpf.GrantUploadRequest) (*mkpf.GrantUploadResult, error)
	// GrantWithoutCard grants to a participant who forgot the card (§V(7), after the check on screen 76).
	GrantWithoutCard(ctx context.Context, projectID string, req mkpf.WithoutCardRequest) (*mkpf.GrantUploadResult, error)
}

// FromClient is the Platform of an enrolled platformclient (its token, retries and Japanese errors).
func FromClient(c *platformclient.Client) Platform { return clientPlatform{c} }

type clientPlatform struct{ c *platformclient.Client }

func projectPath(id, tail string) string { return "/v1/grants/projects/" + url.PathEscape(id) + tail }

func (p clientPlatform) GrantProjects(ctx context.Context) (*mkpf.GrantProjectList, error) {
	var out mkpf.GrantProjectList
	if err := p.c.Do(ctx, http.MethodGet, "/v1/grants/projects", nil, &out, ""); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p clientPlatform) AddParticipants(ctx context.Context, projectID string, req mkpf.ParticipantsRequest) (*mkpf.ParticipantsResult, error) {
	var out mkpf.ParticipantsResult
	// Adding the same members again changes nothing: safe to retry under a fresh key.
	if err := p.c.Do(ctx, http.MethodPost, projectPath(projectID, "/participants"), req, &out, platformclient.NewIdempotencyKey()); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p clientPlatform) SyncRoster(ctx context.Context, projectID string) (*mkpf.GrantSync, error) {
	var out mkpf.GrantSync
	if err := p.c.Do(ctx, http.MethodPost, projectPath(projectID, "/sync"), nil, &out, platformclient.NewIdempotencyKey()); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p clientPlatform) UploadGrants(ctx context.Context, req mkpf.GrantUploadRequest) (*mkpf.GrantUploadResult, error) {
	var out mkpf.GrantUploadResult
	// Each GrantID applies once: a retry is safe.
	if err := p.c.Do(ctx, http.MethodPost, "/v1/grants/upload", req, &out, platformclient.NewIdempotencyKey()); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p clientPlatform) GrantWithoutCard(ctx context.Context, projectID string, req mkpf.WithoutCardRequest) (*mkpf.GrantUploadResult, error) {
	var out mkpf.GrantUploadResult
	if err := p.c.Do(ctx, http.MethodPost, projectPath(projectID, "/grant-without-card"), req, &out, platformclient.NewIdempotencyKey()); err != nil {
		return nil, err
	}
	return &out, nil
}
