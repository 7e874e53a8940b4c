package app

// Navigation in one place: every transition between the screens 2-39, 87 and the settings is one function below, and
// the table beside each says where it comes from. Screens call these functions; no screen constructs another
// (terminal/arch_test.go fails if a newScreenNN call appears outside this file).
//
//	from                       → to    function
//	start (not enrolled)       → 9     showFirst
//	start (no contact yet)     → 10    showFirst
//	start, 10 [登録], settings → 22    ShowMenu (also the header's [メニューへ], 24, 26)
//	9 [登録]                   → 10    toContact(false)
//	22 [サービスIDの登録]      → 23    toRegister
//	24 [戻る]                  → 23    toRegisterAgain (the number kept for correction)
//	23 [登録] (platform done)  → 24    toRegistered
//	22 [サービスIDの照会], 26  → 25    toLookup
//	25 [照会], continuous      → 26    toLookupResult
//	22 [連絡先の変更]          → 10    toContact(true)
//	22 [端末の設定]            → 設定  toSettings
//	22 [自治体ポイント…]       → 2     toPoints
//	2 [ログイン], any 29-39/87 → 28    pointsSession.toMenu
//	28, 31 [続けて…]           → 29    pointsSession.toUse
//	29 [確認]                  → 30    toUseConfirm
//	30 [利用]                  → 31    pointsSession.toUseDone
//	28, 34 [続けて…]           → 32    pointsSession.toIssue
//	32 [確認]                  → 33    toIssueConfirm
//	33 [発行], 34 [再発行]     → 34    pointsSession.toIssued
//	28, 36 [続けて…]           → 35    pointsSession.toClear
//	35 [消込]                  → 36    pointsSession.toCleared
//	28, 39 [続けて…]           → 37    pointsSession.toMerge
//	37 [確認]                  → 38    toMergeConfirm
//	38 [合算]                  → 39    pointsSession.toMerged
//	28 [ポイント集計]          → 87    pointsSession.toAggregate
//	30, 33, 38 [戻る]          → 29, 32, 37 (the same input screen, as it was)
//
// Grant terminals (seed 004 §V; grant screens in screen64.go … screen78.go):
//
//	start (phone layout)       → 77    showFirst
//	22 [業務支援システムへ]    → 71    toGrantOffice (grant_office)
//	22 [持ち歩き用…アプリへ]   → 77    toGrantApp (point_grant)
//	71 [ログイン] (first time) → 72    grantSession.toOfficeSettings (also 73 [初期設定])
//	71, 72, 64-66, 74-76       → 73    grantSession.toOffice
//	73 [ポイント付与事業登録]  → 64    grantSession.toProject
//	64 [確認]                  → 65    toProjectConfirm
//	65 [戻る]                  → 64    (the same input screen, as it was)
//	65 [登録]                  → 66    grantSession.toProjectDone
//	73 [名簿取り込み入力]      → 74    grantSession.toImport
//	73 [個別入力]              → 75    grantSession.toAddOne
//	73 [対象者検索]            → 76    grantSession.toSearch
//	77 [ログイン], 79 [戻る]   → 78    grantSession.toGrantProjects
//	78 [設定]                  → 79    grantSession.toGrantTaps
//
// The patron desk (利用者窓口, patron_desk; patron_desk.go, screen14.go … screen17.go):
//
//	22 [マイキーIDの作成・登録] → 14   toMyKeyCreate
//	14 [パスワード入力] → 15 (dialog) → 16  deskSession.toForm
//	16 (card signature too old) → 14   deskSession.toCard
//	16 [登録]                  → 17    deskSession.toCreated
//	22 [利用者マイページ], 17 [利用者マイページへ] → 18   toMyPage, deskSession.toLogin
//	18 [ログイン] (ID or card) → 19    myPageSession.toPage (also 58 [利用者マイページへ])
//	19 [サービスIDの登録状況照会] → 58 myPageSession.toServiceIDs
//	19, 58 [ログアウト], idle, card removed → 18  myPageSession.end → deskSession.toLogin
//	19 [クーポンコード利用]     → 20    myPageSession.toCoupon
//	20 [確認]                  → 21    myPageSession.toCouponConfirm
//	19 [利用者情報の変更]      → 59    myPageSession.toUpdate
//	59 [確認]                  → 60    toUpdateConfirm (60 [戻る] → 59 as it was)
//	60 [変更]                  → 61    myPageSession.toUpdated
//	19 [マイキーIDの失効]      → 63    myPageSession.toRevoke (63 [失効] → 18)
//	19 [マイキーIDの変更]      → 62    myPageSession.toChangeID (62 [変更] → 18)
//	20, 21, 59, 61, 62, 63 [利用者マイページへ] → 19

import (
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// showFirst opens the first screen: 77 on the grant phone; else 9 until the terminal is enrolled, 10 until its contact is registered, else 22.
func (u *UI) showFirst() {
	switch {
	case u.Svc.Phone:
		u.Show(newScreen77(u)) // the grant phone starts at its login, which enrolls the device the first time
	case !u.Svc.Platform.Enrolled():
		u.Show(newScreen09(u))
	case !u.Svc.Platform.Terminal().ContactDone:
		u.Show(newScreen10(u, false))
	default:
		u.ShowMenu()
	}
}

// ShowMenu shows screen 22.
func (u *UI) ShowMenu() { u.Show(newScreen22(u)) }

func (u *UI) toContact(change bool) { u.Show(newScreen10(u, change)) }
func (u *UI) toRegister()           { u.Show(newScreen23(u)) }
func (u *UI) toRegisterAgain(number string, notice bool) {
	u.Show(newScreen23(u).withNumber(number, notice))
}
func (u *UI) toRegistered(res *mkpf.RegisterResult, notice bool) { u.Show(newScreen24(u, res, notice)) }
func (u *UI) toLookup()                                          { u.Show(newScreen25(u)) }
func (u *UI) toLookupResult(res *mkpf.LookupResult, auto bool)   { u.Show(newScreen26(u, res, auto)) }
func (u *UI) toSettings()                                        { u.Show(newSettings(u)) }
func (u *UI) toPoints()                                          { u.Show(newScreen02(u)) }

func (ps *pointsSession) toMenu()      { ps.u.Show(newScreen28(ps)) }
func (ps *pointsSession) toUse()       { ps.u.Show(newScreen29(ps)) }
func (ps *pointsSession) toIssue()     { ps.u.Show(newScreen32(ps)) }
func (ps *pointsSession) toClear()     { ps.u.Show(newScreen35(ps)) }
func (ps *pointsSession) toMerge()     { ps.u.Show(newScreen37(ps)) }
func (ps *pointsSession) toAggregate() { ps.u.Show(newScreen87(ps)) }

func toUseConfirm(from *screen29, b mkpf.Balance, n int64) { from.ps.u.Show(newScreen30(from, b, n)) }
func toIssueConfirm(from *screen32, b mkpf.Balance, n int64, expires string) {
	from.ps.u.Show(newScreen33(from, b, n, expires))
}
func toMergeConfirm(from *screen37, b mkpf.Balance, n int64) { from.ps.u.Show(newScreen38(from, b, n)) }

func (ps *pointsSession) toUseDone(res *mkpf.UseResult, b mkpf.Balance) {
	ps.u.Show(newScreen31(ps, res, b))
}

// toIssued shows screen 34 for v; printed says the voucher came out of the printer already.
func (ps *pointsSession) toIssued(v *mkpf.Voucher, b mkpf.Balance, printed bool) {
	s34 := newScreen34(ps, v, b)
	if printed {
		s34.printed++
	}
	ps.u.Show(s34)
}
func (ps *pointsSession) toCleared(v *mkpf.Voucher) { ps.u.Show(newScreen36(ps, v)) }
func (ps *pointsSession) toMerged(res *mkpf.MergeResult, path string, b mkpf.Balance) {
	ps.u.Show(newScreen39(ps, res, path, b))
}

func (u *UI) toGrantOffice() { u.Show(newScreen71(u)) }
func (u *UI) toGrantApp()    { u.Show(newScreen77(u)) }

func (gs *grantSession) toOffice()         { gs.u.Show(newScreen73(gs)) }
func (gs *grantSession) toOfficeSettings() { gs.u.Show(newScreen72(gs)) }
func (gs *grantSession) toProject()        { gs.u.Show(newScreen64(gs)) }
func (gs *grantSession) toImport()         { gs.u.Show(newScreen74(gs)) }
func (gs *grantSession) toAddOne()         { gs.u.Show(newScreen75(gs)) }
func (gs *grantSession) toSearch()         { gs.u.Show(newScreen76(gs)) }
func (gs *grantSession) toGrantProjects()  { gs.u.Show(newScreen78(gs)) }
func (gs *grantSession) toGrantTaps()      { gs.u.Show(newScreen79(gs)) }
func (gs *grantSession) toProjectDone(p mkpf.GrantProject) {
	gs.u.Show(newScreen66(gs, p))
}
func toProjectConfirm(from *screen64, p mkpf.Program, req mkpf.GrantProjectRequest) {
	from.gs.u.Show(newScreen65(from, p, req))
}

// toMyKeyCreate starts a new patron at the desk (nothing of the previous one is kept).
func (u *UI) toMyKeyCreate() {
	if ds := newDeskSession(u); ds != nil {
		ds.toCard()
	}
}
func (ds *deskSession) toCard()                               { ds.card = mkpf.CardSignature{}; ds.u.Show(newScreen14(ds)) }
func (ds *deskSession) toForm()                               { ds.u.Show(newScreen16(ds)) }
func (ds *deskSession) toCreated(res *mkpf.MyKeyCreateResult) { ds.u.Show(newScreen17(ds, res)) }

// toMyPage starts a new patron at 利用者マイページ's login (18).
func (u *UI) toMyPage() {
	if ds := newDeskSession(u); ds != nil {
		ds.toLogin("")
	}
}
func (ds *deskSession) toLogin(note string) { ds.u.Show(newScreen18(ds, note)) }
func (ms *myPageSession) toPage()           { ms.ds.u.Show(newScreen19(ms)) }
func (ms *myPageSession) toServiceIDs(p *mkpf.MyPage) {
	ms.ds.u.Show(newScreen58(ms, p))
}
func (ms *myPageSession) toCoupon() { ms.ds.u.Show(newScreen20(ms)) }
func (ms *myPageSession) toCouponConfirm(code string, res *mkpf.CouponResult) {
	ms.ds.u.Show(newScreen21(ms, code, res))
}
func (ms *myPageSession) toUpdate(p *mkpf.MyPage, munis []mkpf.PointMunicipality) {
	ms.ds.u.Show(newScreen59(ms, p, munis))
}
func toUpdateConfirm(from *screen59, f terminal.MyPageForm, baseName string) {
	from.ms.ds.u.Show(newScreen60(from, f, baseName))
}
func (ms *myPageSession) toUpdated()  { ms.ds.u.Show(newScreen61(ms)) }
func (ms *myPageSession) toRevoke()   { ms.ds.u.Show(newScreen63(ms)) }
func (ms *myPageSession) toChangeID() { ms.ds.u.Show(newScreen62(ms)) }
