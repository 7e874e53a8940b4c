package platform_test

import (
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// eachStore runs f once per store kind (testenv.StoreKinds: a bbolt file, a PostgreSQL database), as subtests named
// after the kind; testenv.Platform and testenv.Store inside f give a store of that kind.
func eachStore(t *testing.T, f func(t *testing.T)) {
	for _, kind := range testenv.StoreKinds {
		t.Run(kind, func(t *testing.T) {
			testenv.UseStore(t, kind)
			f(t)
		})
	}
}
