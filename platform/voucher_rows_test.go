package platform_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// TestScreen35_VoucherClearedOnceByTwoTerminalsAtOnce: two terminals clear the same voucher at the same moment
// through real HTTP (on PostgreSQL without the writer lock: the voucher's row decides); exactly one clearing
// succeeds and books one movement, the other gets the Japanese 消込済み refusal, and each terminal's replay with its
// own Idempotency-Key gets its answer again: the winner its stored voucher, the loser the refusal.
func TestScreen35_VoucherClearedOnceByTwoTerminalsAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T) {
		w := newPointsWorld(t)
		ctx := context.Background()
		yamada := cardOf(t, "yamada")
		issuer := w.terminal("00053059")
		shops := []*platformclient.Client{w.terminal("00052589"), w.terminal("00052490")}
		jst := time.FixedZone("JST", 9*3600)
		before := balanceOf(t, shops[0], yamada, platform.DemoProgramMunicipal)
		const rounds = 8
		for n := 0; n < rounds; n++ {
			v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
				Points: 100, Expires: w.clk.Now().In(jst).AddDate(0, 0, 10).Format("2006-01-02")}, platformclient.NewIdempotencyKey())
			if err != nil {
				t.Fatalf("issue: %v", err)
			}
			keys := []string{platformclient.NewIdempotencyKey(), platformclient.NewIdempotencyKey()}
			got := make([]*mkpf.Voucher, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range shops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					got[i], errs[i] = shops[i].ClearVoucher(ctx, v.QR, keys[i])
				}()
			}
			close(start)
			wg.Wait()
			win := -1
			for i, err := range errs {
				if err == nil {
					if win >= 0 {
						t.Fatalf("voucher %s cleared twice: %+v and %+v", v.Number, got[0], got[1])
					}
					win = i
				}
			}
			if win < 0 {
				t.Fatalf("voucher %s: no clearing succeeded: %v / %v", v.Number, errs[0], errs[1])
			}
			lose := 1 - win
			var ae *mkpf.APIError
			if !errors.As(errs[lose], &ae) || ae.Code != mkpf.CodeVoucherCleared || !strings.Contains(ae.Message, "消込済み") {
				t.Fatalf("the second clearing of %s: %v, want %s with the Japanese message", v.Number, errs[lose], mkpf.CodeVoucherCleared)
			}
			if got[win].State != mkpf.VoucherCleared || got[win].ClearedAt == nil {
				t.Fatalf("the clearing's answer %+v", got[win])
			}
			// The winner's retry with its key: the stored answer, nothing booked again.
			again, err := shops[win].ClearVoucher(ctx, v.QR, keys[win])
			if err != nil || again.ClearedBy != got[win].ClearedBy || !again.ClearedAt.Equal(*got[win].ClearedAt) {
				t.Fatalf("replay of the winning clearing: %+v %v, want %+v", again, err, got[win])
			}
			// The loser's retry with its key: refused again, not cleared by it.
			if _, err := shops[lose].ClearVoucher(ctx, v.QR, keys[lose]); platformclient.Code(err) != mkpf.CodeVoucherCleared {
				t.Fatalf("replay of the refused clearing: %v, want %s", err, mkpf.CodeVoucherCleared)
			}
		}
		if b := balanceOf(t, shops[0], yamada, platform.DemoProgramMunicipal); b != before-rounds*100 {
			t.Fatalf("balance %d, want %d", b, before-rounds*100)
		}
		a, err := w.srv.AuditLedger()
		if err != nil || !a.OK || a.Totals[platform.TotalCleared] != rounds*100 || a.Totals[platform.TotalOutstanding] != 0 {
			t.Fatalf("audit %+v %v: want %d cleared once each (one movement of 100 per voucher), none outstanding", a, err, rounds*100)
		}
	})
}

// TestScreen33_VoucherIssueReplayGetsTheStoredVoucher: an issue retried with its Idempotency-Key (on both stores,
// on PostgreSQL without the writer lock) gets the same voucher, and the points are deducted once.
func TestScreen33_VoucherIssueReplayGetsTheStoredVoucher(t *testing.T) {
	eachStore(t, func(t *testing.T) {
		w := newPointsWorld(t)
		ctx := context.Background()
		yamada := cardOf(t, "yamada")
		issuer := w.terminal("00053059")
		before := balanceOf(t, issuer, yamada, platform.DemoProgramMunicipal)
		req := mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal, Points: 250,
			Expires: w.clk.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 5).Format("2006-01-02")}
		key := platformclient.NewIdempotencyKey()
		v1, err := issuer.IssueVoucher(ctx, req, key)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := issuer.IssueVoucher(ctx, req, key)
		if err != nil || v2.Number != v1.Number || v2.QR != v1.QR {
			t.Fatalf("replay %+v %v, want voucher %s", v2, err, v1.Number)
		}
		if b := balanceOf(t, issuer, yamada, platform.DemoProgramMunicipal); b != before-250 {
			t.Fatalf("balance %d, want %d (deducted once)", b, before-250)
		}
		if a, err := w.srv.AuditLedger(); err != nil || !a.OK || a.Totals[platform.TotalOutstanding] != 250 {
			t.Fatalf("audit %+v %v", a, err)
		}
	})
}

// TestVoucherRows_TheDatabaseRefusesASecondClearing: on PostgreSQL the table itself keeps a voucher cleared once:
// a second clearing statement that would overwrite the first changes no row, a voucher cannot be both cleared and
// lapsed nor cleared without the terminal, its points are positive, and the ledger holds one clearing movement per
// voucher number; a coupon code has positive points, a registered partner company, and is used by someone or not.
func TestVoucherRows_TheDatabaseRefusesASecondClearing(t *testing.T) {
	url := testenv.PostgresURL(t)
	w := newPointsWorldAt(t, url)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	issuer, shop := w.terminal("00053059"), w.terminal("00052589")
	v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
		Points: 100, Expires: w.clk.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, 10).Format("2006-01-02")}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shop.ClearVoucher(ctx, v.Number, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.IssueCoupons("みらい航空", 500, 1); err != nil {
		t.Fatal(err)
	}
	conn := pgConnect(t, url)
	// The clearing statement again (voucher_rows_pg.go's): no row.
	tag, err := conn.Exec(ctx, `UPDATE pt_voucher SET cleared_at = now(), cleared_by = '00052490'
		WHERE number = $1 AND cleared_at IS NULL AND lapsed_at IS NULL`, v.Number)
	if err != nil || tag.RowsAffected() != 0 {
		t.Fatalf("a second clearing changed %d rows (%v)", tag.RowsAffected(), err)
	}
	for _, c := range []struct{ what, sql, code string }{
		{"cleared and lapsed", `UPDATE pt_voucher SET lapsed_at = now() WHERE number = '` + v.Number + `'`, "23514"},
		{"cleared by no terminal", `UPDATE pt_voucher SET cleared_by = NULL WHERE number = '` + v.Number + `'`, "23514"},
		{"a voucher of no points", `UPDATE pt_voucher SET points = 0 WHERE number = '` + v.Number + `'`, "23514"},
		{"a second clearing movement", `INSERT INTO pt_move (at, kind, mykey_id, program_id, points, delta, voucher_no)
			SELECT at, kind, mykey_id, program_id, points, delta, voucher_no FROM pt_move WHERE kind = 'voucher_clear' AND voucher_no = '` + v.Number + `'`, "23505"},
		{"a coupon of no points", `UPDATE coupon SET points = 0`, "23514"},
		{"a coupon of an unknown partner", `UPDATE coupon SET partner = 'どこか'`, "23503"},
		{"a coupon used by nobody", `UPDATE coupon SET used_at = now()`, "23514"},
	} {
		_, err := conn.Exec(ctx, c.sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", c.what, err, c.code)
		}
	}
	if a, err := w.srv.AuditLedger(); err != nil || !a.OK || a.Totals[platform.TotalCleared] != 100 {
		t.Fatalf("audit %+v %v", a, err)
	}
}

// TestVoucherRows_UpgradeAndCopyStoreKeepEveryVoucher: a bbolt town's vouchers (cleared, lapsed, reissued,
// outstanding) and coupon codes (used and not, of two partner companies) arrive unchanged in pt_voucher both by the upgrade of a database made by the key/value layout
// (migrations 3-5 moving the pairs) and by copy-store into PostgreSQL, and come back unchanged by copy-store out of
// it, the expiry index rebuilt; the ledger audit holds in every copy.
func TestVoucherRows_UpgradeAndCopyStoreKeepEveryVoucher(t *testing.T) {
	file := t.TempDir() + "/town.db"
	w := newPointsWorldAt(t, file)
	ctx := context.Background()
	yamada := cardOf(t, "yamada")
	issuer, shop := w.terminal("00053059"), w.terminal("00052589")
	jst := time.FixedZone("JST", 9*3600)
	issue := func(points int64, days int) *mkpf.Voucher {
		v, err := issuer.IssueVoucher(ctx, mkpf.VoucherIssueRequest{PatronRef: yamada, ProgramID: platform.DemoProgramMunicipal,
			Points: points, Expires: w.clk.Now().In(jst).AddDate(0, 0, days).Format("2006-01-02")}, "")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cleared, reissued, lapsing := issue(100, 10), issue(200, 10), issue(300, 1)
	issue(400, 20)
	if _, err := shop.ClearVoucher(ctx, cleared.QR, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.ReissueVoucher(ctx, reissued.Number, ""); err != nil {
		t.Fatal(err)
	}
	codes, err := w.srv.IssueCoupons("みらい航空", 500, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.IssueCoupons("かわさき商店会", 300, 2); err != nil {
		t.Fatal(err)
	}
	if err := platform.UseCouponForTest(w.srv, codes[0], platform.DemoYamadaMyKeyID); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(3 * 24 * time.Hour)
	if n, err := w.srv.LapseExpiredVouchers(); err != nil || n != 1 {
		t.Fatalf("lapsed %d %v (voucher %s)", n, err, lapsing.Number)
	}
	want, err := platform.VoucherDump(w.srv)
	if err != nil || strings.Count(want, "\n") != 4+1+5 || !strings.Contains(want, `"state":"lapsed"`) || !strings.Contains(want, `"reissues":1`) ||
		!strings.Contains(want, `"used_by":"`+platform.DemoYamadaMyKeyID+`"`) || !strings.Contains(want, "partners かわさき商店会,みらい航空") {
		t.Fatalf("the town's vouchers %v:\n%s", err, want)
	}
	wantAudit, err := w.srv.AuditLedger()
	if err != nil || !wantAudit.OK {
		t.Fatalf("town audit %+v %v", wantAudit, err)
	}
	w.hs.Close()
	w.srv.Close()

	check := func(what, store string, outstanding int) {
		t.Helper()
		s, err := platform.Open(store, platform.Options{Argon2Time: 1, Argon2Memory: 1024})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer s.Close()
		if got, err := platform.VoucherDump(s); err != nil || got != want {
			t.Fatalf("%s: the vouchers (%v)\n%s\nwant\n%s", what, err, got, want)
		}
		a, err := s.AuditLedger()
		if err != nil || !a.OK || fmt.Sprint(a.Totals) != fmt.Sprint(wantAudit.Totals) || fmt.Sprint(a.VoucherSum) != fmt.Sprint(wantAudit.VoucherSum) {
			t.Fatalf("%s: audit %+v %v, want %+v", what, a, err, wantAudit)
		}
		if n, err := platform.BucketLen(s, "pt_voucher_expiry"); err != nil || n != outstanding {
			t.Fatalf("%s: %d outstanding vouchers due for the sweep (%v), want %d", what, n, err, outstanding)
		}
	}

	// The upgrade of a database made by the key/value layout: the town's pairs in kv, the tables not yet made.
	old := testenv.PostgresURL(t)
	dst, err := platform.OpenStoreDB(old)
	if err != nil {
		t.Fatal(err)
	}
	src, err := platform.OpenStoreDB(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := kv.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	dst.Close()
	conn := pgConnect(t, old)
	if _, err := conn.Exec(ctx, `DROP TABLE pt_balance, pt_move, pt_terminal_marker, idempotency, pt_floor_day_total, pt_lot, pt_voucher, coupon, coupon_partner;
		DROP TABLE `+identityTables+`;
		DROP TABLE mkpf_schema_version;`+oldRunnerTable+`
		INSERT INTO kv_migrations (version, name) VALUES (1, 'buckets and pairs'), (2, 'lock rows (for databases without advisory locks)')`); err != nil {
		t.Fatal(err)
	}
	check("the upgraded key/value database", old, 2)
	var pairs int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM kv WHERE bucket IN ('pt_vouchers', 'pt_voucher_expiry', 'mk_coupons', 'mk_partners')`).Scan(&pairs); err != nil || pairs != 0 {
		t.Fatalf("%d voucher pairs left in kv (%v)", pairs, err)
	}

	// copy-store into PostgreSQL and back out of it.
	pg := testenv.PostgresURL(t)
	copyStore := func(to, from string) {
		t.Helper()
		dst, err := platform.OpenStoreDB(to)
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		src, err := platform.OpenStoreDB(from)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if _, _, err := platform.CopyStore(dst, src); err != nil {
			t.Fatalf("copy-store %s → %s: %v", platform.RedactStore(from), platform.RedactStore(to), err)
		}
	}
	copyStore(pg, file)
	check("copy-store into PostgreSQL", pg, 2)
	back := t.TempDir() + "/back.db"
	copyStore(back, pg)
	check("copy-store back into bbolt", back, 2)
}
