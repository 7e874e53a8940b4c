package grant

import (
	"context"
	"errors"

	"github.com/mykeyterm/mykeyterm/cardio"
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

func (p clientPlatform) GrantProjects(ctx context.Context) (*mkpf.GrantProjectList, error) {
	return p.c.GrantProjects(ctx)
}

func (p clientPlatform) AddParticipants(ctx context.Context, projectID string, req mkpf.ParticipantsRequest) (*mkpf.ParticipantsResult, error) {
	return p.c.AddParticipants(ctx, projectID, req)
}

func (p clientPlatform) SyncRoster(ctx context.Context, projectID string) (*mkpf.GrantSync, error) {
	return p.c.SyncGrantRoster(ctx, projectID)
}

func (p clientPlatform) UploadGrants(ctx context.Context, req mkpf.GrantUploadRequest) (*mkpf.GrantUploadResult, error) {
	return p.c.UploadGrants(ctx, req.Grants)
}

func (p clientPlatform) GrantWithoutCard(ctx context.Context, projectID string, req mkpf.WithoutCardRequest) (*mkpf.GrantUploadResult, error) {
	return p.c.GrantWithoutCard(ctx, projectID, req.GrantID, req.MyKeyID)
}

// Message is the clerk-facing Japanese text of any error of this package, the card or the platform.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var ie *ImportError
	var re *RefusedError
	var ce *mkpf.ClerkError
	var wp *cardio.WrongPINError
	switch {
	case errors.As(err, &ie):
		return ie.Error()
	case errors.As(err, &re):
		return re.Message
	case errors.As(err, &wp):
		return wp.Message()
	case errors.As(err, &ce) && ce.Message != "":
		return ce.Message
	}
	var ae *mkpf.APIError
	if errors.As(err, &ae) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return platformclient.Message(err)
	}
	var ke *cardio.Error
	if errors.As(err, &ke) {
		return cardio.Message(err)
	}
	// Anything else (a file the OS refused, a broken local store): never Go's error text on the clerk's screen.
	return FallbackMessage
}

// FallbackMessage is the clerk's text for an error no other rule names: what to do next, in Japanese.
const FallbackMessage = "処理を完了できませんでした。もう一度操作してください。続けて起きるときは、画面を閉じずに自治体の担当者に連絡してください。"
