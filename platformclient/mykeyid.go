package platformclient

// The patron desk (利用者窓口, screens 14-21 and 58-63; docs/patron-desk.md).

import (
	"context"
	"net/http"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// MyKeyChallenge asks for a one-use challenge for the patron's card to sign for op (mkpf.MyKeyOpCreate, …;
// mkpf.MyKeySignedBytes says what the card signs).
func (c *Client) MyKeyChallenge(ctx context.Context, op string) (*mkpf.CardChallengeResult, error) {
	return doAs[mkpf.CardChallengeResult](ctx, c, http.MethodPost, "/v1/mykey/challenge", mkpf.MyKeyChallengeRequest{Op: op}, "")
}

// PointMunicipalities lists the municipalities that run 自治体ポイント (screen 16's 基本自治体ポイント口座).
func (c *Client) PointMunicipalities(ctx context.Context) ([]mkpf.PointMunicipality, error) {
	var out []mkpf.PointMunicipality
	if err := c.do(ctx, http.MethodGet, "/v1/mykey/municipalities", nil, &out, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// MyKeyCandidate is screen 16's [自動生成] (auto) or [重複チェック] (id).
func (c *Client) MyKeyCandidate(ctx context.Context, id string, auto bool) (*mkpf.MyKeyCandidateResult, error) {
	return doAs[mkpf.MyKeyCandidateResult](ctx, c, http.MethodPost, "/v1/mykey/candidate", mkpf.MyKeyCandidateRequest{ID: id, Auto: auto}, "")
}

// CreateMyKeyID is screen 16 [登録] → 17, with one idempotency key for this call and its retries.
func (c *Client) CreateMyKeyID(ctx context.Context, req mkpf.MyKeyCreateRequest) (*mkpf.MyKeyCreateResult, error) {
	return doAs[mkpf.MyKeyCreateResult](ctx, c, http.MethodPost, "/v1/mykey/create", req, NewIdempotencyKey())
}

// MyPageLogin is screen 18: the MyKey ID and password, or the card's signature for mkpf.MyKeyOpLogin.
func (c *Client) MyPageLogin(ctx context.Context, req mkpf.MyPageLoginRequest) (*mkpf.MyPageLoginResult, error) {
	return doAs[mkpf.MyPageLoginResult](ctx, c, http.MethodPost, "/v1/mykey/login", req, "")
}

// MyPage is screens 19 and 58 for a session.
func (c *Client) MyPage(ctx context.Context, session string) (*mkpf.MyPage, error) {
	return doAs[mkpf.MyPage](ctx, c, http.MethodPost, "/v1/mykey/page", mkpf.MyPageRequest{Session: session}, "")
}

// MyPageLogout is [ログアウト]: the platform ends every session of the patron.
func (c *Client) MyPageLogout(ctx context.Context, session string) error {
	return c.do(ctx, http.MethodPost, "/v1/mykey/logout", mkpf.MyPageRequest{Session: session}, nil, "")
}

// UpdateMyPage is screens 59-61 [変更]; it answers the page as it is after the change.
func (c *Client) UpdateMyPage(ctx context.Context, req mkpf.MyPageUpdateRequest) (*mkpf.MyPage, error) {
	return doAs[mkpf.MyPage](ctx, c, http.MethodPost, "/v1/mykey/update", req, "")
}

// RevokeMyKeyID is screen 63 [失効]: irreversible.
func (c *Client) RevokeMyKeyID(ctx context.Context, req mkpf.MyKeyRevokeRequest) error {
	return c.do(ctx, http.MethodPost, "/v1/mykey/revoke", req, nil, "")
}

// ChangeMyKeyID is screen 62 [変更]: the patron's service IDs and balances follow the new ID.
func (c *Client) ChangeMyKeyID(ctx context.Context, req mkpf.MyKeyChangeRequest) (*mkpf.MyKeyCreateResult, error) {
	return doAs[mkpf.MyKeyCreateResult](ctx, c, http.MethodPost, "/v1/mykey/change", req, "")
}

// Coupon is screen 20 → 21 (use false: what the code is worth) or 21 [利用] (use true: credited once).
func (c *Client) Coupon(ctx context.Context, session, code string, use bool) (*mkpf.CouponResult, error) {
	path := "/v1/mykey/coupon/lookup"
	if use {
		path = "/v1/mykey/coupon/use"
	}
	return doAs[mkpf.CouponResult](ctx, c, http.MethodPost, path, mkpf.CouponRequest{Session: session, Code: code}, "")
}
