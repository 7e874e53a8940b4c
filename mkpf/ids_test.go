package mkpf

import "testing"

func TestMunicipalityCode(t *testing.T) {
	for _, c := range []struct {
		code string
		ok   bool
	}{{"141305", true}, {"131016", true}, {"011002", true}, {"141304", false}, {"14130", false}, {"14130a", false}} {
		if err := ValidateMunicipalityCode(c.code); (err == nil) != c.ok {
			t.Errorf("%s: err=%v want ok=%v", c.code, err, c.ok)
		}
	}
}

func TestMyKeyID(t *testing.T) {
	for _, c := range []struct {
		id string
		ok bool
	}{{"MY123456", true}, {"KEY34567", true}, {"my123456", false}, {"MY12345", false}, {"MY-23456", false}} {
		if err := ValidateMyKeyID(c.id); (err == nil) != c.ok {
			t.Errorf("%s: err=%v want ok=%v", c.id, err, c.ok)
		}
	}
}
