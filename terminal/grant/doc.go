// Package grant is the terminal side of administrative point grants (いわゆる行政ポイント, seed 004 §V), without
// screens: the grant office's roster desk (業務支援システム, screens 72-76) in Office, and the mobile grant app's
// offline store and continuous taps (持ち歩き用ポイント付与アプリ, screens 77-79) in Device. The GUI (app/) and the
// CLI (cmd/mykeyterm-cli: grant …, roster …) are two faces of this package. It imports no Fyne.
//
// Office keeps the roster's personal fields (名前, 生年月日, 住所, 性別, 電話番号, メールアドレス, 備考) in the office
// terminal's data directory (bbolt file OfficeFile); only MyKey IDs, or a card's auth certificate for [登録・読取],
// reach the platform, as project membership.
//
// Device keeps a project's synced roster (keyed hashes and the sync's key: no certificate serial, no MyKey ID) and the
// grants made on the device (bbolt file DeviceFile, committed with fsync before a tap is answered). Each grant carries
// a GrantID made on the device, so an upload retried after a lost answer applies once. See docs/grants.md.
package grant
