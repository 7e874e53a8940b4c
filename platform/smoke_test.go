package platform_test

import (
	"context"
	"testing"

	"github.com/mykeyterm/mykeyterm/internal/demopki"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

func TestDoneWhen_EnrollContactLookupYamada(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	y, _ := demopki.Get("yamada")
	res, err := c.Lookup(context.Background(), y.AuthCertDER)
	if err != nil {
		t.Fatal(err)
	}
	if res.CardNumber != "180000000011" || res.IssuerName != "川崎市立図書館" || res.MyKeyID != "" {
		t.Fatalf("got %+v", res)
	}
}
