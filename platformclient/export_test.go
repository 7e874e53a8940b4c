package platformclient

import "context"

// Do lets the external tests make a raw authenticated call (an unknown field, a wrong method).
func (c *Client) Do(ctx context.Context, method, path string, in, out any, idemKey string) error {
	return c.do(ctx, method, path, in, out, idemKey)
}
