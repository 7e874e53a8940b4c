package platformclient

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
)

// The platform pin of a shared state folder (Windows: HKLM, platformpin_windows.go): the platform URL and, for a
// private CA, the CA certificate the administrator fixed — at install time (MKSSetup.exe /PLATFORM=… /PLATFORMCA=…,
// which runs `mykeyterm-cli.exe state-folder --platform … --ca-file …` elevated) or by an elevated enrolment. The
// state file's data is writable by every staff account, so the pin, not the state file, decides where the
// terminal's password and device key signatures go. The comparison below is pure (unit-tested on every system).

// MsgPlatformPinned is the refusal of a state whose platform URL or CA is not the one the administrator fixed.
const MsgPlatformPinned = "端末の接続先（プラットフォームのURLまたはCA証明書）が、このパソコンの管理者が設定したもの（%s）と違います。" +
	"接続先が書き換えられたおそれがあるため接続しません。自治体の情報システム担当者（このパソコンの管理者）に連絡してください。"

// MsgPlatformNotPinned is the refusal to enroll (or to use an enrolled terminal) on a shared state folder without
// a pin, in a program without elevation: any staff account could have chosen the platform.
const MsgPlatformNotPinned = "このパソコンには、接続先のプラットフォームが管理者により設定されていません。端末パスワードを守るため、" +
	"このままでは登録・接続しません。自治体の情報システム担当者（このパソコンの管理者）に、インストーラーを" +
	"「MKSSetup.exe /PLATFORM=プラットフォームのURL」（独自のCA証明書を使う場合は「/PLATFORMCA=CA証明書ファイル」も付けて）" +
	"実行するよう依頼してください。"

// MsgPinCAInvalid: the CA file given for the pin is no PEM certificate.
const MsgPinCAInvalid = "CA証明書ファイル（%s）を読めないか、PEM形式の証明書がありません。"

// PlatformPin is what the administrator fixed for a shared state folder.
type PlatformPin struct {
	URL      string // normalized (NormalizeURL)
	CASHA256 string // hex SHA-256 of the CA file's content; "" when the platform uses the system's roots
	CAPEM    []byte // the CA certificate itself (pins written at install time); nil in pins of older enrolments
}

// caSum is the hex SHA-256 of a CA file's content.
func caSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// pinCA checks that b holds at least one PEM certificate (what the TLS client will trust) and returns its digest.
func pinCA(b []byte) (string, error) {
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return "", errors.New("no PEM certificate")
		}
		if blk.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
				return "", err
			}
			return caSum(b), nil
		}
	}
}

// ComparePin says why a state (its platform URL, "" before enrolment, and the content of its CA file, nil when it
// names none) does not match pin p ("" when it does). A state without its own CA file uses the pin's CA.
func ComparePin(p PlatformPin, stateURL string, stateCA []byte) string {
	if stateURL != "" {
		u, err := NormalizeURL(stateURL)
		if err != nil || u != p.URL {
			return "platform URL " + stateURL
		}
	}
	switch {
	case stateCA != nil && p.CASHA256 == "":
		return "a CA file where the pin has none"
	case stateCA != nil && !strings.EqualFold(caSum(stateCA), p.CASHA256):
		return "CA file content"
	case stateCA == nil && p.CASHA256 != "" && p.CAPEM == nil:
		return "no CA file where the pin has one" // an older pin keeps only the digest: the state must name the file
	}
	return ""
}

// pinRule is what a start or an enrolment on a state folder may do: shared (under %ProgramData%), pinned (the
// administrator's pin exists), elevated (this process runs as administrator). Without a pin only an elevated
// program may choose the platform (and then pins it); elsewhere (a user's own folder, other systems) the state is
// the user's own.
func pinRequired(shared, pinned, elevated bool) bool { return shared && !pinned && !elevated }
