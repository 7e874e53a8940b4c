package platform

// Grant rules that trust no terminal (issue 17, docs/grants.md「権限と上限」, docs/security.md):
//
//   - every /v1/grants/ route needs the screen-2 points session (screens 71 and 77 log in like screen 2), so a copied
//     state folder without the password neither registers, grants nor closes;
//   - a project an office registers is a request: its points per person and budget apply only once the platform's
//     administrator approved it (`mkpf-server admin grant-project approve`); until then no sync and no grant;
//   - a MyKey ID receives at most GrantCapPerMonth grants per JST calendar month across all projects (the count is in
//     the store, so every server process sharing it counts the same; `admin grant-cap` sets the cap);
//   - refusals that may change (closed or unapproved project, a limit of the period) are not stored as the item's
//     answer: the phone sends the item again and it applies after `admin grant-project reopen|approve`;
//   - a phone's new upload items per JST day, a holder's grant notices per JST day and a terminal's unknown MyKey IDs
//     on the participants route are counted in the store.

import (
	"context"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform/httpapi"
	"github.com/mykeyterm/mykeyterm/platform/kv"
)

var (
	bGrCounts   = []byte("gr_counts")   // "cap/<MyKey ID>/<YYYY-MM>", "items/<terminal>/<YYYY-MM-DD>", "notice/<MyKey ID>/<YYYY-MM-DD>" → count
	bGrSettings = []byte("gr_settings") // "cap_per_month", "items_per_day" → the administrator's limits (decimal)
	bGrIDsSync  = []byte("gr_ids_sync") // sync ID + "/" + gr_ids key → nil: the upload records of a sync, pruned with it
)

// Limits of grants (docs/grants.md).
const (
	// DefaultGrantCapPerMonth is how many grants one MyKey ID may receive per JST calendar month across all projects
	// until the administrator sets another cap (`mkpf-server admin grant-cap --per-month N`).
	DefaultGrantCapPerMonth = 10
	// GrantUploadItemsPerDay is how many new upload items (not answered before) one phone may send per JST day until
	// the administrator sets another limit (`admin grant-cap --items-per-day N`); the rest is refused as upload_limit
	// and sent again by the phone the next day.
	GrantUploadItemsPerDay = 30_000
	// GrantNoticesPerDay is how many grant e-mails one holder receives per JST day (further grants apply silently).
	GrantNoticesPerDay = 3
	// grantUploadChunk is how many upload items one transaction applies: a till's use waits for one chunk at most.
	grantUploadChunk = 500
	// grantChunkYield bounds how long an upload chunk waits for the tills' requests in flight to end.
	grantChunkYield = 50 * time.Millisecond
	// maxListedErrors is how many bad MyKey IDs a participants answer lists (the count of the rest is given).
	maxListedErrors = 100
	// ParticipantUnknownLimit is how many MyKey IDs unknown to the platform one terminal may send to the participants
	// route per VoucherLookupWindow (counted in the store like voucher-number guesses).
	ParticipantUnknownLimit = 200
)

var (
	errGrPending          = Errf(http.StatusConflict, mkpf.CodeProjectPending, "このポイント付与事業はプラットフォーム管理者の承認待ちです。承認されるまで名簿の同期や付与はできません。担当部署から管理者に承認を依頼してください。")
	errGrUnknownThrottled = Errf(http.StatusTooManyRequests, mkpf.CodeThrottled, "登録されていないマイキーIDの送信が続いたため、しばらく受け付けません。名簿のマイキーIDを確かめ、15分ほど待ってから取り込んでください。")
)

func init() {
	grantRefusals[mkpf.CodeProjectPending] = "このポイント付与事業はプラットフォーム管理者の承認待ちのため、まだ付与できません。承認後にもう一度登録してください。"
	grantRefusals[mkpf.CodeGrantLimit] = "この方は今月、ポイント付与の回数の上限に達しているため付与できません。来月以降にもう一度登録するか、担当部署に確認してください。"
	grantRefusals[mkpf.CodeNoCardProof] = "カードをかざした記録（読み取った証明書）がないか、名簿の方のカードではないため登録できません。アプリを最新版に更新し、その方のカードをかざし直してください。"
	grantRefusals[mkpf.CodeUploadLimit] = "この端末から本日登録できる付与記録の件数の上限に達しました。明日もう一度［自治体ポイント管理クラウドへ登録］してください。"
	grBuckets = append(grBuckets, bGrCounts, bGrSettings, bGrIDsSync)
}

// grantAuthed is Authed for a grant route: the terminal must be of one of kinds and carry its points session.
func (s *Server) grantAuthed(h http.HandlerFunc, kinds ...mkpf.TerminalKind) http.Handler {
	return s.Authed(func(w http.ResponseWriter, r *http.Request) {
		c, _ := CallerFrom(r.Context())
		if !s.pointsSessionOK(r, c) {
			s.Count(c.TerminalID, "grants.login_required")
			s.WriteError(w, r, errPointsLogin)
			return
		}
		h(w, r)
	}, kinds...)
}

// approved: a project the administrator registered, or an office's request the administrator approved.
func (p *grantProjectRec) approved() bool { return p.CreatedBy == "" || !p.ApprovedAt.IsZero() }

func jstMonth(now time.Time) string  { return now.In(jst).Format("2006-01") }
func jstDayKey(now time.Time) string { return now.In(jst).Format("2006-01-02") }

func getCount(b kv.Bucket, key string) int {
	n, _ := strconv.Atoi(string(b.Get([]byte(key))))
	return n
}

func putCount(b kv.Bucket, key string, n int) error {
	return b.Put([]byte(key), []byte(strconv.Itoa(n)))
}

// grantCap is the administrator's cap of grants per MyKey ID per JST month.
func grantCap(tx kv.Tx) int {
	if n := getCount(tx.Bucket(bGrSettings), "cap_per_month"); n > 0 {
		return n
	}
	return DefaultGrantCapPerMonth
}

// uploadItemsPerDay is the administrator's limit of a phone's new upload items per JST day.
func uploadItemsPerDay(tx kv.Tx) int {
	if n := getCount(tx.Bucket(bGrSettings), "items_per_day"); n > 0 {
		return n
	}
	return GrantUploadItemsPerDay
}

// grantLimit counts one grant of myKeyID in this month, or answers CodeGrantLimit when the cap is reached (in the
// grant's transaction: a grant that fails later leaves no count).
func grantLimit(tx kv.Tx, now time.Time, myKeyID string) (string, error) {
	b := tx.Bucket(bGrCounts)
	key := "cap/" + myKeyID + "/" + jstMonth(now)
	n := getCount(b, key)
	if n >= grantCap(tx) {
		return mkpf.CodeGrantLimit, nil
	}
	return "", putCount(b, key, n+1)
}

// grantNoticeOver counts one grant notice of myKeyID today and says whether it is over GrantNoticesPerDay (then no
// e-mail is queued: a rogue office cannot send a holder an e-mail per project without limit).
func grantNoticeOver(tx kv.Tx, now time.Time, myKeyID string) (bool, error) {
	b := tx.Bucket(bGrCounts)
	key := "notice/" + myKeyID + "/" + jstDayKey(now)
	n := getCount(b, key) + 1
	if err := putCount(b, key, n); err != nil {
		return false, err
	}
	return n > GrantNoticesPerDay, nil
}

// grantProjectTextErrors: name, department and note hold no control or bidi characters (like the contact fields),
// and the name, which goes into the holders' e-mails, holds no URL or domain name.
func grantProjectTextErrors(req *mkpf.GrantProjectRequest) []mkpf.FieldError {
	var fe []mkpf.FieldError
	for _, f := range []struct{ field, label, v string }{{"name", "ポイント付与事業名", req.Name}, {"department", "担当部署", req.Department}, {"note", "備考", req.Note}} {
		if httpapi.HasBadText(f.v) {
			fe = append(fe, mkpf.FieldError{Field: f.field, Message: httpapi.BadTextMessage(f.label)})
		}
	}
	if hasURL(req.Name) {
		fe = append(fe, mkpf.FieldError{Field: "name", Message: "ポイント付与事業名にURLやドメイン名（http://…、www.…、….jp など）は使えません。事業名だけを入力してください。"})
	}
	return fe
}

var domainRe = regexp.MustCompile(`[a-z0-9][a-z0-9-]*\.[a-z][a-z0-9-]*[a-z]`)

// hasURL reports a URL or a domain name in s, full-width letters included (ｅｘａｍｐｌｅ．ｊｐ).
func hasURL(s string) bool {
	t := strings.ToLower(width.Fold.String(s))
	t = strings.NewReplacer("。", ".", "｡", ".", "．", ".").Replace(t)
	return strings.Contains(t, "://") || strings.Contains(t, "www") || strings.Contains(t, "http") || domainRe.MatchString(t)
}

// participantsThrottled: the terminal sent ParticipantUnknownLimit unknown MyKey IDs in the current window.
func (s *Server) participantsThrottled(ctx context.Context, c *Caller) (bool, error) {
	var rec throttleRec
	if err := s.db.ViewContext(ctx, func(tx kv.Tx) error {
		_, err := kv.GetJSON(tx.Bucket(bThrottles), "participants/"+c.TerminalID, &rec)
		return err
	}); err != nil {
		return false, err
	}
	return rec.current(s.now(), VoucherLookupWindow).N >= ParticipantUnknownLimit, nil
}

// countUnknownIDs adds n unknown MyKey IDs to the terminal's count (its own transaction: the refused request
// rolled back).
func (s *Server) countUnknownIDs(ctx context.Context, c *Caller, n int) error {
	if n == 0 {
		return nil
	}
	now := s.now()
	return s.db.UpdateContext(ctx, func(tx kv.Tx) error {
		b := tx.Bucket(bThrottles)
		var rec throttleRec
		if _, err := kv.GetJSON(b, "participants/"+c.TerminalID, &rec); err != nil {
			return err
		}
		rec = rec.current(now, VoucherLookupWindow)
		rec.N += n
		return kv.PutJSON(b, "participants/"+c.TerminalID, rec)
	})
}

// unknownIDsError is the refusal of a participants call that named MyKey IDs the platform does not have.
type unknownIDsError struct {
	*mkpf.APIError
	unknown int
}

func (e *unknownIDsError) Unwrap() error { return e.APIError }

// storeOutcome keeps an upload item's answer (compactly: a refusal is its code, the message comes from the table)
// and indexes it under its sync, so it is pruned with the sync.
func storeOutcome(tx kv.Tx, idKey, syncID string, out grantOutcome) error {
	if out.Refused != nil {
		out.Code, out.Refused = out.Refused.Code, nil
	}
	if err := kv.PutJSON(tx.Bucket(bGrIDs), idKey, out); err != nil {
		return err
	}
	if syncID == "" {
		return nil
	}
	return tx.Bucket(bGrIDsSync).Put([]byte(syncID+"/"+idKey), nil)
}

// storedAnswer is the stored answer of gid (old records hold the whole refusal, new ones its code).
func (o grantOutcome) answer(gid string) (*mkpf.GrantAccepted, *mkpf.GrantRefused) {
	switch {
	case o.Accepted != nil:
		return o.Accepted, nil
	case o.Code != "":
		return nil, refusal(gid, o.Code)
	}
	return nil, o.Refused
}

// pruneSyncUploads deletes the upload records of one sync (PruneGrantSyncs, before the sync itself).
func (s *Server) pruneSyncUploads(syncID string) error {
	for more := true; more; {
		err := s.commit().Do(func(tx kv.Tx) error {
			more = false
			ix := tx.Bucket(bGrIDsSync)
			prefix := syncID + "/"
			var keys [][]byte
			c := ix.Cursor()
			for k, _ := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, _ = c.Next() {
				if len(keys) == sweepBatch*8 {
					more = true
					break
				}
				keys = append(keys, append([]byte(nil), k...))
			}
			for _, k := range keys {
				if err := tx.Bucket(bGrIDs).Delete(k[len(prefix):]); err != nil {
					return err
				}
				if err := ix.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pruneGrantCounts deletes the counts of past periods (kept 40 days: the monthly cap of the month before stays
// readable for the office's questions).
func (s *Server) pruneGrantCounts() error {
	cut := s.now().Add(-40 * 24 * time.Hour)
	var old [][]byte
	if err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bGrCounts).ForEach(func(k, _ []byte) error {
			i := strings.LastIndexByte(string(k), '/')
			period := string(k[i+1:])
			layout := "2006-01-02"
			if len(period) == 7 {
				layout = "2006-01"
			}
			t, err := time.ParseInLocation(layout, period, jst)
			if err != nil || t.AddDate(0, 1, 0).Before(cut) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
	}); err != nil {
		return err
	}
	for len(old) > 0 {
		n := min(len(old), sweepBatch*8)
		batch := old[:n]
		old = old[n:]
		if err := s.commit().Do(func(tx kv.Tx) error {
			for _, k := range batch {
				if err := tx.Bucket(bGrCounts).Delete(k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// ApproveGrantProject approves an office's project request (admin): its points per person and budget apply from now.
func (s *Server) ApproveGrantProject(id string) (mkpf.GrantProject, error) {
	return s.adminProject(id, func(p *grantProjectRec) {
		if p.ApprovedAt.IsZero() {
			p.ApprovedAt = s.now().UTC()
		}
	})
}

// ReopenGrantProject opens a closed project again (admin); the phones' refused uploads for it apply when sent again.
func (s *Server) ReopenGrantProject(id string) (mkpf.GrantProject, error) {
	return s.adminProject(id, func(p *grantProjectRec) { p.Closed, p.ClosedAt = false, time.Time{} })
}

func (s *Server) adminProject(id string, edit func(p *grantProjectRec)) (mkpf.GrantProject, error) {
	var out mkpf.GrantProject
	err := s.db.Update(func(tx kv.Tx) error {
		p, err := getGrantProject(tx, id)
		if err != nil {
			return err
		}
		if p == nil {
			return fmt.Errorf("grant project %q not found", id)
		}
		edit(p)
		if err := kv.PutJSON(tx.Bucket(bGrProjects), p.ID, p); err != nil {
			return err
		}
		out = grantProjectView(tx, p)
		return nil
	})
	return out, err
}

// SetGrantCap sets the grants per MyKey ID per JST month across projects (admin; every server process reads it from
// the store).
func (s *Server) SetGrantCap(perMonth int) error {
	if perMonth < 1 || perMonth > 1000 {
		return fmt.Errorf("the cap must be 1-1000 grants per month, not %d", perMonth)
	}
	return s.db.Update(func(tx kv.Tx) error { return putCount(tx.Bucket(bGrSettings), "cap_per_month", perMonth) })
}

// SetGrantUploadItemsPerDay sets a phone's new upload items per JST day (admin).
func (s *Server) SetGrantUploadItemsPerDay(n int) error {
	if n < 1 || n > 10_000_000 {
		return fmt.Errorf("the limit must be 1-10000000 items per day, not %d", n)
	}
	return s.db.Update(func(tx kv.Tx) error { return putCount(tx.Bucket(bGrSettings), "items_per_day", n) })
}

// GrantCap is the grants per MyKey ID per JST month in force, and a phone's upload items per JST day.
func (s *Server) GrantCap() (perMonth, itemsPerDay int, err error) {
	err = s.db.View(func(tx kv.Tx) error { perMonth, itemsPerDay = grantCap(tx), uploadItemsPerDay(tx); return nil })
	return perMonth, itemsPerDay, err
}

// grantSealKey is the platform's grant seal key (X25519; issue 17 M1), made at the first sync. It is kept in the
// store beside the data it protects: it hides the tapped cards' serials from whoever reads a phone, and the store
// holds those serials anyway.
func (s *Server) grantSealKey() (*ecdh.PrivateKey, error) {
	var raw []byte
	if err := s.db.View(func(tx kv.Tx) error {
		raw = append([]byte(nil), tx.Bucket(bGrSettings).Get([]byte("seal_key"))...)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		if err := s.db.Update(func(tx kv.Tx) error {
			b := tx.Bucket(bGrSettings)
			if raw = append([]byte(nil), b.Get([]byte("seal_key"))...); len(raw) > 0 {
				return nil // another process made it meanwhile
			}
			k, err := ecdh.X25519().GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			raw = k.Bytes()
			return b.Put([]byte("seal_key"), raw)
		}); err != nil {
			return nil, err
		}
	}
	return ecdh.X25519().NewPrivateKey(raw)
}

// tapCards opens and checks the sealed certificates of an upload's items, outside any transaction (the chain check
// is the costly part): GrantID → the serial of a certificate that chains to a JPKI auth root and is valid now. An
// item without one, or whose certificate does not open or check, is missing.
func (s *Server) tapCards(ctx context.Context, items []mkpf.GrantUploadItem) (map[string]string, error) {
	out := map[string]string{}
	var key *ecdh.PrivateKey
	for _, it := range items {
		if len(it.Card) == 0 {
			continue
		}
		if key == nil {
			var err error
			if key, err = s.grantSealKey(); err != nil {
				return nil, err
			}
		}
		der, err := mkpf.OpenTapCert(key, it)
		if err != nil {
			continue
		}
		if cc, err := s.verifyAuthChainCached(ctx, der); err == nil {
			out[strings.ToLower(it.GrantID)] = cc.Serial
		}
	}
	return out, nil
}

// tapProven: the item's sealed certificate is of the card whose hash the item names.
func tapProven(sy *grantSyncRec, cards map[string]string, gid, hash string) bool {
	serial, ok := cards[gid]
	return ok && hmac.Equal([]byte(SyncHash(sy.Key, serial)), []byte(strings.ToLower(hash)))
}

// handleGrantTaps is the office's report of taps per hour per phone (issue 17 M1): the project's grants booked from
// phone taps, counted by the tapping terminal and the JST hour of the tap.
func (s *Server) handleGrantTaps(w http.ResponseWriter, r *http.Request) {
	c, _ := CallerFrom(r.Context())
	out := mkpf.GrantTapReport{Rows: []mkpf.GrantTapCount{}}
	err := s.db.ViewContext(r.Context(), func(tx kv.Tx) error {
		p, err := callerProject(tx, c, r.PathValue("id"))
		if err != nil {
			return err
		}
		out.ProjectID = p.ID
		type key struct{ terminal, hour string }
		n := map[key]int{}
		prefix := p.ID + "/"
		cur := tx.Bucket(bGrDone).Cursor()
		for k, v := cur.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = cur.Next() {
			var d grantDoneRec
			if json.Unmarshal(v, &d) != nil || d.WithoutCard {
				continue
			}
			n[key{d.TerminalID, d.TappedAt.In(jst).Format("2006-01-02 15:00")}]++
		}
		for k, taps := range n {
			out.Rows = append(out.Rows, mkpf.GrantTapCount{TerminalID: k.terminal, Hour: k.hour, Taps: taps})
		}
		sort.Slice(out.Rows, func(i, j int) bool {
			a, b := out.Rows[i], out.Rows[j]
			return a.Hour < b.Hour || a.Hour == b.Hour && a.TerminalID < b.TerminalID
		})
		return nil
	})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, out)
}
