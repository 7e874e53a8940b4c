package mkpf

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"time"
)

// JST is Japan time, the one time zone of the whole program: dates on screens, vouchers, receipts, the ledger and
// the aggregation are Japanese calendar days.
var JST = time.FixedZone("JST", 9*60*60)

// MoveKindLabelJA names an aggregation row's kind as screen 87 and its CSV show it.
func MoveKindLabelJA(kind string) string {
	switch kind {
	case "use":
		return "ポイント利用"
	case "voucher_issue":
		return "ポイント券発行"
	case "voucher_clear":
		return "ポイント券消込"
	case "merge":
		return "商店街ポイント合算"
	case "grant":
		return "ポイント付与"
	}
	return kind
}

// AggregateCSV is the 明細 of screen 87 ([明細ダウンロード]) as Excel opens it: UTF-8 with a BOM, CRLF line ends, a
// summary block (端末ID, 設置場所, 期間, 取引回数合計, 利用ポイント数合計), an empty line, then one row per transaction.
func AggregateCSV(agg *Aggregate) []byte {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(InertCSVRow([]string{"端末ID", agg.TerminalID}))
	w.Write(InertCSVRow([]string{"端末設置場所", agg.Location}))
	w.Write(InertCSVRow([]string{"集計対象期間", agg.From + "～" + agg.To}))
	w.Write(InertCSVRow([]string{"取引回数合計", fmt.Sprint(agg.Count)}))
	w.Write(InertCSVRow([]string{"利用ポイント数合計", fmt.Sprint(agg.Total)}))
	w.Write([]string{})
	w.Write(InertCSVRow([]string{"日時", "取引番号", "取引種別", "ポイント種別", "ポイント数", "発券番号"}))
	for _, r := range agg.Rows {
		vn := ""
		if r.VoucherNo != "" {
			vn = FormatVoucherNumber(r.VoucherNo)
		}
		w.Write(InertCSVRow([]string{r.At.In(JST).Format("2006/01/02 15:04:05"), r.TxnID, MoveKindLabelJA(r.Kind), r.ProgramName, fmt.Sprint(r.Points), vn}))
	}
	w.Flush()
	return b.Bytes()
}
