package platform

import (
	"context"
	"net/http"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var errShopCardThrottled = Errf(http.StatusTooManyRequests, mkpf.CodeThrottled, "登録されていない商店街ポイントカードの読取が続いたため、しばらく受け付けません。15分ほど待ってから操作してください。")

// checkShopCard throttles shop-card lookups like voucher numbers: a shop card number is a bearer credential for the
// balances and a merge, so unknown numbers count per terminal (in the store, before the lookup: parallel guesses
// cannot pass the limit) and after VoucherLookupLimit of them in VoucherLookupWindow the terminal must wait. A
// known card gives its count back. The final lookup inside the transaction stays (resolveRef).
func (s *Server) checkShopCard(ctx context.Context, c *Caller, card string) error {
	key := throttleKey{key: "shopcard/" + c.TerminalID, limit: VoucherLookupLimit, window: VoucherLookupWindow}
	if err := s.reserveAttempt(ctx, key); err == errThrottled {
		return errShopCardThrottled
	} else if err != nil {
		return err // not counted: refused (fail closed)
	}
	known := false
	if err := s.db.ViewContext(ctx, func(tx kv.Tx) error {
		if c.IssuerID == "" {
			return nil
		}
		owner, err := identityOf(tx).cardOwner(c.IssuerID, card)
		known = owner != ""
		return err
	}); err != nil {
		return err
	}
	if known {
		return s.refundAttempt(ctx, key)
	}
	return nil
}
