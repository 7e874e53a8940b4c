package app

import "fyne.io/fyne/v2"

// keyUse is one row of the counter's key table: a key, its one meaning, and on which screens it does that (with the
// label of the button it presses there, "" where no button shows it). Labels claim a key as 「… (F5)」; the key table
// test walks every screen and checks its shortcuts and the keys its labels claim against this table. docs/app.md
// mirrors it.
type keyUse struct {
	key     fyne.KeyName
	name    string // as labels write it
	meaning string
	on      map[string]string // screen (documents' number, or "settings") → button label
}

// menuScreens are the two menus: there F1-F4 and F6 choose the items in the order shown (F5, 確定, is never a menu
// item), and nothing else.
var menuScreens = map[string]bool{"22": true, "28": true, "73": true, "19": true}

// keyTable is the one table of the counter's keys. Outside the menus every key means one thing on every screen.
var keyTable = []keyUse{
	{fyne.KeyEscape, "Esc", "戻る（前の画面へ）", map[string]string{
		"2": "", "10": "", "23": "", "25": "", "28": "", "settings": "",
		"24": "前の画面に戻る", "26": "サービスIDの照会へ戻る",
		"29": "", "32": "", "35": "", "37": "", "87": "",
		"30": "戻る", "33": "戻る", "38": "戻る",
		"31": "", "34": "", "36": "", "39": "",
		"64": "戻る", "65": "戻る", "66": "戻る", "72": "", "74": "戻る", "75": "戻る", "76": "戻る", "79": "ポイント付与事業の選択へ",
		"14": "", "16": "", "17": "", "18": "", "58": "利用者マイページへ",
		"20": "利用者マイページへ", "21": "利用者マイページへ", "59": "利用者マイページへ", "60": "戻る", "61": "利用者マイページへ",
		"63": "利用者マイページへ", "62": "利用者マイページへ"}},
	{fyne.KeyF12, "F12", "メニューへ（画面22）", map[string]string{
		"2": "メニューへ", "10": "メニューへ", "23": "メニューへ", "24": "メニューへ戻る", "25": "メニューへ", "26": "メニューに戻る",
		"28": "メニューへ", "settings": "メニューへ", "29": "メニューへ", "30": "メニューへ", "31": "メニューへ", "32": "メニューへ",
		"33": "メニューへ", "34": "メニューへ", "35": "メニューへ", "36": "メニューへ", "37": "メニューへ", "38": "メニューへ",
		"39": "メニューへ", "87": "メニューへ",
		"71": "メニューへ", "72": "メニューへ", "73": "メニューへ", "64": "メニューへ", "65": "メニューへ", "66": "メニューへ",
		"74": "メニューへ", "75": "メニューへ", "76": "メニューへ", "14": "メニューへ", "16": "メニューへ", "17": "メニューへ", "18": "メニューへ",
		"19": "ログアウト", "58": "ログアウト", "20": "ログアウト", "21": "ログアウト", "59": "ログアウト", "60": "ログアウト",
		"61": "ログアウト", "63": "ログアウト", "62": "ログアウト"}},
	{fyne.KeyF10, "F10", "ポイントメニューへ（画面28）", map[string]string{
		"29": "ポイントメニューへ", "32": "ポイントメニューへ", "35": "ポイントメニューへ", "37": "ポイントメニューへ",
		"87": "ポイントメニューへ", "31": "ポイントメニューへ", "34": "ポイントメニューへ", "36": "ポイントメニューへ",
		"39": "ポイントメニューへ"}},
	{fyne.KeyF11, "F11", "端末の設定", map[string]string{"22": "端末の設定"}},
	{fyne.KeyF5, "F5", "確定（その画面の処理を実行）", map[string]string{
		"2": "ログイン", "9": "登録", "10": "登録", "23": "登録", "25": "照会", "settings": "保存",
		"29": "確認", "32": "確認", "37": "確認", "30": "利用", "33": "発行", "38": "合算", "35": "消込処理", "87": "集計",
		"71": "ログイン", "77": "ログイン", "72": "設定", "64": "確認", "65": "登録", "74": "登録", "75": "登録", "76": "検索",
		"78": "設定", "79": "自治体ポイント管理クラウドへ登録", "14": "利用者証明用電子証明書パスワード入力", "16": "登録",
		"17": "利用者マイページへ", "18": "ログイン", "20": "確認", "21": "利用", "59": "確認", "60": "変更", "63": "失効", "62": "変更"}},
	{fyne.KeyReturn, "Enter", "確定（F5と同じ。文字の入力欄では入力欄の確定）", map[string]string{"25": ""}},
	{fyne.KeyF2, "F2", "読取（カード・ポイント券・名簿ファイル）", map[string]string{
		"23": "読取", "29": "カード読取", "32": "カード読取", "37": "カード読取", "35": "ポイント券情報読取",
		"74": "ファイル選択", "76": "登録・読取", "18": "マイナンバーカードでログイン"}},
	{fyne.KeyF3, "F3", "カードなしで（本人確認済みの申告）", map[string]string{"76": "カードなしで付与"}},
	{fyne.KeyF4, "F4", "名簿の同期（取得）", map[string]string{"78": "付与事業対象者名簿の同期（取得）"}},
	{fyne.KeyF1, "F1", "続けて次の利用者へ", map[string]string{
		"31": "続けてポイント利用", "34": "続けてポイント券発行", "36": "続けて消込", "39": "続けて合算"}},
	{fyne.KeyF6, "F6", "連続照会・連続読取の入・切", map[string]string{"25": "連続照会（カードを置くたびに自動で照会し、番号を引き渡します）",
		"79": "カード読取・ポイント付与"}}, // 79: 開始 or 終了, whichever F6 presses now (labels are matched by prefix)
	{fyne.KeyF7, "F7", "番号をコピー", map[string]string{"26": "番号をコピー"}},
	{fyne.KeyF8, "F8", "もう一度入力（ID自動引渡し）", map[string]string{"26": "もう一度入力"}},
	{fyne.KeyF9, "F9", "印刷・保存（ラベル、レシート、ポイント券、明細）", map[string]string{
		"26": "印刷", "31": "レシート印字", "36": "レシート印字", "34": "再発行", "87": "明細ダウンロード",
		"74": "取り込み入力用様式ダウンロード"}},
}

// menuKeys are the keys that choose a menu item on the menus, in the order the items are shown.
var menuKeys = []fyne.KeyName{fyne.KeyF1, fyne.KeyF2, fyne.KeyF3, fyne.KeyF4, fyne.KeyF6}
