package cardio_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/mykeyterm/mykeyterm/cardio"
)

var certLengthCases = []struct {
	head []byte
	want int // 0 = error
}{
	{[]byte{0x30, 0x03}, 5},
	{[]byte{0x30, 0x7F}, 0x81},
	{[]byte{0x30, 0x81, 0x80}, 3 + 0x80},
	{[]byte{0x30, 0x81, 0xFD}, 256},
	{[]byte{0x30, 0x81, 0xFF}, 258},
	{[]byte{0x30, 0x82, 0x01, 0x00}, 260},
	{[]byte{0x30, 0x82, 0x01, 0xFC}, 512},
	{[]byte{0x30, 0x82, 0x03, 0x8E, 0xAA}, 914},
	{[]byte{0x30, 0x82, 0x07, 0xFC}, 2048},
	{[]byte{0x30, 0x83, 0x00, 0x7F, 0xFB}, 0}, // not minimal
	{[]byte{0x30, 0x83, 0x01, 0x00, 0x00}, 0}, // beyond 15-bit offsets
	{[]byte{0x30, 0x82, 0x7F, 0xFC}, 0x8000},
	{[]byte{0x30, 0x82, 0x7F, 0xFD}, 0},
	{[]byte{0x30, 0x81, 0x7F}, 0}, // 81 form for a short length
	{[]byte{0x30, 0x82, 0x00, 0xFF}, 0},
	{[]byte{0x30, 0x80}, 0}, // indefinite
	{[]byte{0x30, 0x84, 0, 0, 1, 0}, 0},
	{[]byte{0x30, 0x00}, 0},
	{[]byte{0x31, 0x03}, 0},
	{[]byte{0x30, 0x82, 0x01}, 0},
	{[]byte{0x30}, 0},
	{nil, 0},
	{make([]byte, 256), 0}, // a blank EF
}

func TestCertLength_ReadsShort81And82Forms(t *testing.T) {
	for _, tc := range certLengthCases {
		got, err := cardio.CertLength(tc.head)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("% X: want error, got %d", tc.head, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("% X: got %d, %v; want %d", tc.head, got, err, tc.want)
		}
	}
}

func FuzzCertLength(f *testing.F) {
	for _, tc := range certLengthCases {
		f.Add(tc.head)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		n, err := cardio.CertLength(head)
		if err != nil {
			return
		}
		if n < 3 || n > 0x8000 || head[0] != 0x30 {
			t.Fatalf("% X: length %d", head, n)
		}
	})
}

var responseCases = []struct {
	resp    []byte
	data    []byte
	sw      uint16
	tries   int
	isTries bool
	removed bool
}{
	{[]byte{0x90, 0x00}, []byte{}, 0x9000, 0, false, false},
	{[]byte{0x01, 0x02, 0x90, 0x00}, []byte{1, 2}, 0x9000, 0, false, false},
	{[]byte{0x63, 0xC3}, []byte{}, 0x63C3, 3, true, false},
	{[]byte{0x63, 0xC0}, []byte{}, 0x63C0, 0, true, false},
	{[]byte{0x63, 0xCF}, []byte{}, 0x63CF, 15, true, false},
	{[]byte{0x63, 0x00}, []byte{}, 0x6300, 0, false, false},
	{[]byte{0x69, 0x84}, []byte{}, 0x6984, 0, false, false},
	{[]byte{0x6A, 0x82}, []byte{}, 0x6A82, 0, false, false},
	{[]byte{0x90}, nil, 0, 0, false, true},
	{[]byte{}, nil, 0, 0, false, true},
	{nil, nil, 0, 0, false, true},
}

func TestSplitResponse_StatusWordsAndShortResponses(t *testing.T) {
	for _, tc := range responseCases {
		data, sw, err := cardio.SplitResponse(tc.resp)
		if tc.removed {
			if !errors.Is(err, cardio.ErrCardRemoved) {
				t.Errorf("% X: want ErrCardRemoved, got %v", tc.resp, err)
			}
			continue
		}
		if err != nil || sw != tc.sw || !bytes.Equal(data, tc.data) {
			t.Errorf("% X: got % X %04X %v", tc.resp, data, sw, err)
		}
		if n, ok := cardio.TriesLeft(sw); ok != tc.isTries || n != tc.tries {
			t.Errorf("%04X: tries %d %v", sw, n, ok)
		}
	}
}

func FuzzSplitResponse(f *testing.F) {
	for _, tc := range responseCases {
		f.Add(tc.resp)
	}
	f.Fuzz(func(t *testing.T, resp []byte) {
		data, sw, err := cardio.SplitResponse(resp)
		if len(resp) < 2 {
			if err == nil {
				t.Fatal("short response accepted")
			}
			return
		}
		if err != nil || len(data) != len(resp)-2 || byte(sw>>8) != resp[len(resp)-2] {
			t.Fatalf("% X: % X %04X %v", resp, data, sw, err)
		}
		if n, ok := cardio.TriesLeft(sw); ok && (n < 0 || n > 15) {
			t.Fatal(n)
		}
	})
}

func FuzzGuard(f *testing.F) {
	for _, tc := range forbidden {
		f.Add(tc.cmd)
	}
	f.Add(append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, cardio.AIDJPKI...))
	f.Fuzz(func(t *testing.T, cmd []byte) {
		if cardio.Guard(cmd) != nil {
			return
		}
		// Whatever passes is never a SELECT by name of anything but the JPKI AID.
		if len(cmd) >= 5 && cmd[0] == 0x00 && cmd[1] == 0xA4 && cmd[2] == 0x04 {
			lc := int(cmd[4])
			if 5+lc > len(cmd) || !bytes.Equal(cmd[5:5+lc], cardio.AIDJPKI) {
				t.Fatalf("passed: % X", cmd)
			}
		}
		if len(cmd) >= 2 && cmd[1] == 0xA4 && cmd[0] == 0x00 && cmd[2] != 0x04 && cmd[2] != 0x02 {
			t.Fatalf("passed: % X", cmd)
		}
	})
}
