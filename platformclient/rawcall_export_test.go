package platformclient

import "context"

// RawDo exposes the unexported raw call to this package's external tests (the retry policy of an unkeyed POST).
func (c *Client) RawDo(ctx context.Context, method, path string, in, out any, idemKey string) error {
	return c.do(ctx, method, path, in, out, idemKey)
}
