package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func init() {
	register(command{name: "settings", summary: "「端末の設定」: show, or set (--printer, --reader, --label-size, --wedge-suffix, --key-delay, --receipt-size) for scripted roll-outs", run: runSettings})
}

// runSettings shows the terminal's settings, or changes the ones given as flags: the same record the GUI's
// 「端末の設定」 edits, for setting up many counter PCs by script.
func runSettings(g *globals, args []string) int {
	fs := newFlags("settings", g)
	printer := fs.String("printer", "", "プリンタ (a printing.Open spec, e.g. windows:PRINTER, cups:QUEUE)")
	reader := fs.String("reader", "", "カードリーダー (a PC/SC reader name; \"auto\": the reader holding a card)")
	labelSize := fs.String("label-size", "", "ラベルの大きさ (e.g. 62x29)")
	suffix := fs.String("wedge-suffix", "", "自動引渡しの最後に送るキー: enter, tab, none")
	delay := fs.String("key-delay", "", "1文字ごとの待ち時間（ミリ秒, 0-200）")
	receipt := fs.String("receipt-size", "", "レシート・ポイント券の用紙: 58mm, 80mm, A6, A4")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return withClient(g, false, 10*time.Second, func(_ context.Context, c *platformclient.Client) int {
		s, err := terminal.LoadSettings(c)
		if err != nil {
			return clientFail(g, err)
		}
		if len(set) > 0 {
			if set["printer"] {
				s.Printer = strings.TrimSpace(*printer)
			}
			if set["reader"] {
				if s.Reader = strings.TrimSpace(*reader); s.Reader == "auto" {
					s.Reader = ""
				}
			}
			if set["label-size"] {
				s.LabelSize = strings.TrimSpace(*labelSize)
			}
			if set["wedge-suffix"] {
				switch v := strings.ToLower(strings.TrimSpace(*suffix)); v {
				case "enter", "tab", "none":
					s.WedgeSuffix = v
				default:
					return fail(g, "--wedge-suffix は enter, tab, none のどれかを指定してください。")
				}
			}
			if set["key-delay"] {
				d, err := terminal.ParseKeyDelay(*delay)
				if err != nil {
					return fail(g, terminal.Message(err))
				}
				s.KeyDelayMS = int(d / time.Millisecond)
			}
			if set["receipt-size"] {
				switch v := strings.TrimSpace(*receipt); v {
				case "58mm", "80mm", "A6", "A4":
					s.ReceiptSize = v
				default:
					return fail(g, "--receipt-size は 58mm, 80mm, A6, A4 のどれかを指定してください。")
				}
			}
			if err := terminal.SaveSettings(c, s); err != nil {
				return clientFail(g, err)
			}
			fmt.Fprintln(g.Stdout, "設定を保存しました。")
		}
		reader := s.Reader
		if reader == "" {
			reader = "（自動）"
		}
		for _, r := range [][2]string{{"カードリーダー", reader}, {"プリンタ", s.Printer}, {"ラベルの大きさ", s.LabelSize},
			{"自動引渡しの最後に送るキー", s.WedgeSuffix}, {"1文字ごとの待ち時間（ミリ秒）", strconv.Itoa(s.KeyDelayMS)},
			{"レシート・ポイント券の用紙", s.ReceiptSize}} {
			fmt.Fprintf(g.Stdout, "%s: %s\n", r[0], r[1])
		}
		return 0
	})
}
