package platform_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
)

// TestIdentityRows_TheStoreRefusesBadRows: whatever code asks, the store refuses a card number a second patron at one
// issuer, a service ID or a serial of a MyKey ID that is no patron's, and a service ID at an issuer that does not
// exist (on PostgreSQL by the tables' constraints, which a statement that goes around the platform meets too); the
// refused writes change nothing a lookup sees.
func TestIdentityRows_TheStoreRefusesBadRows(t *testing.T) {
	eachStore(t, testIdentityRows_TheStoreRefusesBadRows)
}

func testIdentityRows_TheStoreRefusesBadRows(t *testing.T) {
	env := testenv.Platform(t)
	s := env.Server
	refused := map[string]error{
		"suzuki with yamada's library card number":       s.PutServiceID(platform.DemoSuzukiMyKeyID, platform.DemoLibrary, platform.DemoYamadaLibCard),
		"a service ID of a MyKey ID that is no patron's": s.PutServiceID("NOPE0000", platform.DemoLibrary, "77"),
		"a service ID at an issuer that does not exist":  s.PutServiceID(platform.DemoSuzukiMyKeyID, "no-such-issuer", "77"),
		"a card number that is no card number":           s.PutServiceID(platform.DemoSuzukiMyKeyID, platform.DemoLibrary, "7 7"),
		"a serial of a MyKey ID that is no patron's":     s.PutSerial("ABCDEF", "NOPE0000"),
	}
	for name, err := range refused {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	lib := env.Enrolled(t, "00052489")
	if res, err := lib.Lookup(ctx(t), profile(t, "yamada").AuthCertDER); err != nil || res.CardNumber != platform.DemoYamadaLibCard {
		t.Fatalf("yamada after the refused writes: %+v %v", res, err)
	}
	if _, err := lib.Lookup(ctx(t), profile(t, "suzuki").AuthCertDER); codeOf(err) != mkpf.CodeNoServiceID {
		t.Fatalf("suzuki after the refused writes: %v", err)
	}
	if testenv.StoreKind(t) != "postgres" {
		return
	}
	// The same rows written by SQL around the platform: the constraints refuse them, by name.
	conn := pgConnect(t, env.DBPath)
	for _, c := range []struct {
		name, sql, constraint string
		args                  []any
	}{
		{"one card number twice at one issuer", `INSERT INTO id_service (mykey_id, issuer_id, card_number, address_notice, registered_at)
			VALUES ($1, $2, $3, false, now())`, "id_service_card_number_once", []any{platform.DemoSuzukiMyKeyID, platform.DemoLibrary, platform.DemoYamadaLibCard}},
		{"a service ID for a missing patron", `INSERT INTO id_service (mykey_id, issuer_id, card_number, address_notice, registered_at)
			VALUES ($1, $2, $3, false, now())`, "id_service_mykey_id_fkey", []any{"NOPE0000", platform.DemoLibrary, "77"}},
		{"a service ID at a missing issuer", `INSERT INTO id_service (mykey_id, issuer_id, card_number, address_notice, registered_at)
			VALUES ($1, $2, $3, false, now())`, "id_service_issuer_id_fkey", []any{platform.DemoSuzukiMyKeyID, "no-such-issuer", "77"}},
		{"a serial for a missing patron", `INSERT INTO id_serial (serial, mykey_id) VALUES ($1, $2)`, "id_serial_mykey_id_fkey", []any{"ABCDEF", "NOPE0000"}},
		{"a patron with a MyKey ID that is not one", `INSERT INTO id_patron (mykey_id, auth_serial, not_after, created_at) VALUES ($1, '1', now(), now())`,
			"id_patron_mykey_id", []any{"my12"}},
		{"a patron deleted while serials point at it", `DELETE FROM id_patron WHERE mykey_id = $1`, "id_serial_mykey_id_fkey", []any{platform.DemoYamadaMyKeyID}},
	} {
		_, err := conn.Exec(context.Background(), c.sql, c.args...)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.ConstraintName != c.constraint {
			t.Errorf("%s: want constraint %s, got %v", c.name, c.constraint, err)
		}
	}
}

// TestScreen23_TwoPatronsRacingForOneCardNumber: yamada and suzuki register the same new card number at the library
// at the same time, round after round (a clerk's typo or a guess): each round exactly one of them gets it and the
// other is told in Japanese that the number is another patron's (never a server error), and the lookup gives the
// number to the one who got it.
func TestScreen23_TwoPatronsRacingForOneCardNumber(t *testing.T) {
	eachStore(t, testScreen23_TwoPatronsRacingForOneCardNumber)
}

func testScreen23_TwoPatronsRacingForOneCardNumber(t *testing.T) {
	env := testenv.Platform(t)
	lib := env.Enrolled(t, "00052489")
	names := []string{"yamada", "suzuki"}
	for round := range 6 {
		num := fmt.Sprintf("RACE-%d", round)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, who := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = lib.RegisterServiceID(ctx(t), mkpf.RegisterRequest{AuthCert: profile(t, who).AuthCertDER, CardNumber: num, Replace: true})
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: both patrons got card number %s", round, num)
				}
				winner = i
			case codeOf(err) == mkpf.CodeNumberTaken:
				apiErr(t, err)
			default:
				t.Fatalf("round %d: %s: %v", round, names[i], err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody got card number %s", round, num)
		}
		res, err := lib.Lookup(ctx(t), profile(t, names[winner]).AuthCertDER)
		if err != nil || res.CardNumber != num {
			t.Fatalf("round %d: %s's lookup %+v %v", round, names[winner], res, err)
		}
	}
}

// TestScreen25_LookupOfADisabledTerminalIsRefusedFirst: on both stores (on PostgreSQL the lookup reads the terminal
// and the identity rows in one statement) a disabled terminal's lookup is refused as unauthenticated, whether the card
// is good or not a certificate at all, and nothing of the card is said; enabled again, it looks up as before.
func TestScreen25_LookupOfADisabledTerminalIsRefusedFirst(t *testing.T) {
	eachStore(t, testScreen25_LookupOfADisabledTerminalIsRefusedFirst)
}

func testScreen25_LookupOfADisabledTerminalIsRefusedFirst(t *testing.T) {
	env := testenv.Platform(t)
	c := env.Enrolled(t, "00052489")
	y := profile(t, "yamada").AuthCertDER
	if _, err := c.Lookup(ctx(t), []byte("not a certificate")); codeOf(err) != mkpf.CodeCertInvalid {
		t.Fatalf("garbage on an enabled terminal: %v", err)
	}
	if err := env.Server.SetTerminalDisabled("00052489", true); err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"yamada": y, "garbage": []byte("not a certificate"), "revoked": profile(t, "revoked").AuthCertDER} {
		res, err := c.Lookup(ctx(t), der)
		if codeOf(err) != mkpf.CodeUnauthenticated || res != nil {
			t.Errorf("%s on a disabled terminal: want unauthenticated, got %+v %v", name, res, err)
		}
	}
	if err := env.Server.SetTerminalDisabled("00052489", false); err != nil {
		t.Fatal(err)
	}
	if res, err := c.Lookup(ctx(t), y); err != nil || res.CardNumber != platform.DemoYamadaLibCard {
		t.Fatalf("enabled again: %+v %v", res, err)
	}
}
