package platform

import (
	"encoding/json"
	"testing"
	"time"
)

// serviceView must read the same fields from a stored serviceRec (same JSON names): a renamed tag would leave a
// lookup's card number empty.
func TestServiceView_ReadsWhatServiceRecWrites(t *testing.T) {
	rec := serviceRec{IssuerID: "000001", CardNumber: "180000000011", AddressNotice: true, SignSerial: "0A1B", RegisteredAt: time.Now()}
	raw, _ := json.Marshal(rec)
	var v serviceView
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v.CardNumber != rec.CardNumber || v.AddressNotice != rec.AddressNotice || v.SignSerial != rec.SignSerial {
		t.Fatalf("view %+v of %s", v, raw)
	}
}
