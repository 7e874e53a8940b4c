package mkpf

import (
	"encoding/hex"
	"errors"
	"testing"
)

var demoMergeKey, _ = hex.DecodeString("000102030405060708090a0b0c0d0e0f")

var mergeCases = []MergeRecord{
	{ID: "520625", Points: 300, Txn: "20261123180000-000001"},
	{ID: "MY123456", Points: 1, Txn: "20261231235959-999999"},
	{ID: "A-1", Points: 999999999, Txn: "20270101000000-000042"},
}

func TestMergeFile_RoundTripAndHashAsTheSeedDefinesIt(t *testing.T) {
	for _, c := range mergeCases {
		file, err := EncodeMergeFile(c.ID, c.Points, c.Txn, demoMergeKey, "demo-secret")
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMergeFile(file, demoMergeKey, "demo-secret")
		if err != nil {
			t.Fatal(err)
		}
		c.Hash = MergeHash(c.ID, c.Points, c.Txn, "demo-secret")
		if *got != c {
			t.Errorf("got %+v want %+v", *got, c)
		}
	}
	// Worked example for docs/merge-file.md: md5("520625,300,20261123180000-000001,demo-secret").
	if h := MergeHash("520625", 300, "20261123180000-000001", "demo-secret"); h != "f6ee434def83414d6aead706733ac139" {
		t.Errorf("hash %s", h)
	}
}

func TestMergeFile_FlippedByteWrongKeyOrSecretAreRefused(t *testing.T) {
	file, _ := EncodeMergeFile("520625", 300, "20261123180000-000001", demoMergeKey, "demo-secret")
	for i := range file {
		b := append([]byte(nil), file...)
		b[i] ^= 0x01
		_, err := DecodeMergeFile(b, demoMergeKey, "demo-secret")
		if err == nil {
			t.Fatalf("flipped byte %d accepted", i)
		}
		if !errors.Is(err, ErrMergeTampered) && !errors.Is(err, ErrMergeFormat) {
			t.Fatalf("byte %d: %v", i, err)
		}
	}
	wrong := append([]byte(nil), demoMergeKey...)
	wrong[0] ^= 0xff
	if _, err := DecodeMergeFile(file, wrong, "demo-secret"); !errors.Is(err, ErrMergeTampered) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := DecodeMergeFile(file, demoMergeKey, "other"); !errors.Is(err, ErrMergeHash) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := DecodeMergeFile(file, demoMergeKey[:15], "demo-secret"); !errors.Is(err, ErrMergeKey) {
		t.Errorf("short key: %v", err)
	}
	var me *MergeError
	if _, err := DecodeMergeFile(file[:10], demoMergeKey, "demo-secret"); !errors.As(err, &me) || me.Message == "" {
		t.Errorf("truncated: %v", err)
	}
}

func TestMergeFile_EncoderRefusesBadFields(t *testing.T) {
	for _, c := range []MergeRecord{
		{ID: "", Points: 1, Txn: "20261123180000-000001"},
		{ID: "a,b", Points: 1, Txn: "20261123180000-000001"},
		{ID: "520625", Points: 0, Txn: "20261123180000-000001"},
		{ID: "520625", Points: 1, Txn: "20261123180000"},
	} {
		if _, err := EncodeMergeFile(c.ID, c.Points, c.Txn, demoMergeKey, "s"); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func FuzzDecodeMergeFile(f *testing.F) {
	for _, c := range mergeCases {
		file, _ := EncodeMergeFile(c.ID, c.Points, c.Txn, demoMergeKey, "demo-secret")
		f.Add(file)
	}
	f.Add([]byte("MKPM\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := DecodeMergeFile(b, demoMergeKey, "demo-secret")
		if err != nil {
			var me *MergeError
			if !errors.As(err, &me) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if rec.Points <= 0 || rec.Hash != MergeHash(rec.ID, rec.Points, rec.Txn, "demo-secret") {
			t.Fatalf("accepted bad record %+v", rec)
		}
	})
}
