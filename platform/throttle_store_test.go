package platform_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// failThrottleWrites makes PostgreSQL refuse every write of a throttle record (as a full disk, a lost connection or
// a revoked grant would refuse that statement) until the returned function is called.
func failThrottleWrites(t *testing.T, dbURL string) (restore func()) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(c, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{
		`CREATE FUNCTION mkpf_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$`,
		`CREATE TRIGGER mkpf_test_refuse_throttles BEFORE INSERT OR UPDATE ON kv FOR EACH ROW
		 WHEN (NEW.bucket = 'throttles') EXECUTE FUNCTION mkpf_test_refuse()`,
	} {
		if _, err := conn.Exec(c, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return func() {
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(c, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(c, `DROP TRIGGER mkpf_test_refuse_throttles ON kv`); err != nil {
			t.Fatal(err)
		}
	}
}

// wantStoreRefusal: the platform refused because of its store (500, its Japanese message), not with a verdict on
// the number (unknown voucher, unknown card) nor with a throttle that did not happen; no Go error text.
func wantStoreRefusal(t *testing.T, what string, err error) {
	t.Helper()
	if codeOf(err) != mkpf.CodeInternal {
		t.Fatalf("%s while the throttle cannot count: %v (code %s), want %s", what, err, codeOf(err), mkpf.CodeInternal)
	}
	if m := apiErr(t, err).Message; strings.Contains(m, "kv:") || strings.Contains(m, "space left") {
		t.Fatalf("%s: a store error reached the message: %q", what, m)
	}
}

// TestSecurity_ThrottlesFailClosedWhenTheirStoreWriteFails: the voucher-number and shop-card throttles dropped the
// store's error when they counted a guess, so with the throttle records unwritable every guess got its verdict and
// none was counted (fail open). Now a guess that cannot be counted gets no verdict, through real HTTP on
// PostgreSQL whose writes of throttle records fail; once the store works again, so do the throttles.
func TestSecurity_ThrottlesFailClosedWhenTheirStoreWriteFails(t *testing.T) {
	testenv.ChoosesItsStores(t, "PostgreSQL only: a trigger refuses the writes")
	testenv.UseStore(t, "postgres")
	env := testenv.Platform(t)
	shop := env.Enrolled(t, "00052490") // ブレーメン商店街: shop cards and vouchers
	if _, err := shop.Balances(ctx(t), mkpf.PatronRef{ShopCard: platform.DemoYamadaShopCard}); err != nil {
		t.Fatalf("the real card: %v", err)
	}
	restore := failThrottleWrites(t, env.DBPath)

	for i := 0; i < platform.VoucherLookupLimit+2; i++ {
		_, err := shop.ShowVoucher(ctx(t), fmt.Sprintf("%08d", 10000000+i))
		wantStoreRefusal(t, "an unknown voucher number", err)
	}
	for i := 0; i < platform.VoucherLookupLimit+2; i++ {
		_, err := shop.Balances(ctx(t), mkpf.PatronRef{ShopCard: fmt.Sprintf("9%05d", i)})
		wantStoreRefusal(t, "an unknown shop card", err)
	}
	// A guessed hit is not answered either: its attempt could not be counted first.
	_, err := shop.Balances(ctx(t), mkpf.PatronRef{ShopCard: platform.DemoYamadaShopCard})
	wantStoreRefusal(t, "a shop card that exists", err)

	restore()
	if _, err := shop.Balances(ctx(t), mkpf.PatronRef{ShopCard: platform.DemoYamadaShopCard}); err != nil {
		t.Fatalf("the real card once the store works: %v", err)
	}
	var last error
	for i := 0; i < platform.VoucherLookupLimit+1; i++ {
		_, last = shop.ShowVoucher(ctx(t), fmt.Sprintf("%08d", 20000000+i))
	}
	if codeOf(last) != mkpf.CodeThrottled {
		t.Fatalf("after %d unknown vouchers with a working store: want throttled, got %v", platform.VoucherLookupLimit+1, last)
	}
}
