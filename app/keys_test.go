package app

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screenNumber is the documents' number of the screen on the window ("settings" for 端末の設定).
func screenNumber(s Screen) string {
	switch s := s.(type) {
	case *screen02:
		return "2"
	case *screen09:
		return "9"
	case *screen10:
		return "10"
	case *screen22:
		return "22"
	case *screen23:
		return "23"
	case *screen24:
		return "24"
	case *screen25:
		return "25"
	case *screen26:
		return "26"
	case *settingsScreen:
		return "settings"
	case *screen28:
		return "28"
	case *screen29:
		return "29"
	case *screen30:
		return "30"
	case *screen31:
		return "31"
	case *screen32:
		return "32"
	case *screen33:
		return "33"
	case *screen34:
		return "34"
	case *screen35:
		return "35"
	case *screen36:
		return "36"
	case *screen37:
		return "37"
	case *screen38:
		return "38"
	case *screen39:
		return "39"
	case *screen87:
		return "87"
	case *grantLogin:
		if s.office {
			return "71"
		}
		return "77"
	case *screen72:
		return "72"
	case *screen73:
		return "73"
	case *screen64:
		return "64"
	case *screen65:
		return "65"
	case *screen66:
		return "66"
	case *screen74:
		return "74"
	case *screen75:
		return "75"
	case *screen76:
		return "76"
	case *screen78:
		return "78"
	case *screen79:
		return "79"
	case *screen14:
		return "14"
	case *screen16:
		return "16"
	case *screen17:
		return "17"
	case *screen18:
		return "18"
	case *screen19:
		return "19"
	case *screen58:
		return "58"
	case *screen20:
		return "20"
	case *screen21:
		return "21"
	case *screen59:
		return "59"
	case *screen60:
		return "60"
	case *screen61:
		return "61"
	case *screen63:
		return "63"
	case *screen62:
		return "62"
	default:
		_ = s
		return ""
	}
}

var exampleValue = regexp.MustCompile(`^[0-9][0-9,.-]*$`)

var claimRE = regexp.MustCompile(`^(.*) \((Esc|Enter|F[0-9]+)\)$`)

func keyByName(name string) (keyUse, bool) {
	for _, k := range keyTable {
		if k.name == name {
			return k, true
		}
	}
	return keyUse{}, false
}

func funcPtr(f any) uintptr {
	v := reflect.ValueOf(f)
	if !v.IsValid() || v.IsNil() {
		return 0
	}
	return v.Pointer()
}

// TestKeyTable_EveryScreensShortcutsAndLabelsMatchTheTable walks every screen (in each of its states that show other
// buttons), collects its shortcuts and the keys its labels claim, and checks both against keyTable: a label's key
// presses that very button, a shortcut is in the table for that screen, and outside the two menus a key has one
// meaning everywhere. Text fields pass the function keys on, so a label's key also works while the clerk types.
func TestKeyTable_EveryScreensShortcutsAndLabelsMatchTheTable(t *testing.T) {
	claimed := map[string]map[string]string{} // screen → key name → label, over all states
	seen := map[string]bool{}
	check := func(t *testing.T, u *UI, w fyne.Window) {
		t.Helper()
		s := u.Current()
		n := screenNumber(s)
		if n == "" {
			t.Fatalf("screen %T has no number in screenNumber", s)
		}
		seen[n] = true
		if claimed[n] == nil {
			claimed[n] = map[string]string{}
		}
		keys := map[fyne.KeyName]func(){}
		if k, ok := s.(keyHook); ok {
			keys = k.Keys()
		}
		for key := range keys {
			if menuScreens[n] && containsKey(menuKeys, key) {
				continue
			}
			row, ok := rowOf(key)
			if !ok {
				t.Errorf("screen %s: shortcut %s is not in the key table", n, key)
				continue
			}
			if _, ok := row.on[n]; !ok {
				t.Errorf("screen %s: %s does something here, but the key table gives it no use on this screen (its one meaning: %s)", n, row.name, row.meaning)
			}
		}
		for _, o := range visibleObjects(w.Content()) {
			if !o.Visible() {
				continue
			}
			var text string
			var tapped func()
			switch b := o.(type) {
			case *widget.Button:
				text, tapped = b.Text, b.OnTapped
			case *widget.Check:
				text = b.Text
			default:
				continue
			}
			m := claimRE.FindStringSubmatch(text)
			if m == nil {
				continue
			}
			label, name := m[1], m[2]
			claimed[n][name] = label
			row, ok := keyByName(name)
			if menuScreens[n] && (name == "F1" || name == "F2" || name == "F3" || name == "F4" || name == "F6") {
				if f := keys[fyne.KeyName(name)]; funcPtr(f) != funcPtr(tapped) {
					t.Errorf("screen %s: menu item 「%s」 claims %s, but %s does something else", n, label, name, name)
				}
				continue
			}
			if !ok {
				t.Errorf("screen %s: 「%s」 claims %s, which the key table does not have", n, text, name)
				continue
			}
			want, ok := row.on[n]
			if !ok {
				t.Errorf("screen %s: 「%s」 claims %s, but on this screen the table gives %s no use (its one meaning: %s)", n, text, name, name, row.meaning)
				continue
			}
			if want != "" && !strings.HasPrefix(label, want) && !(row.key == fyne.KeyF12 && label == "メニューへ") {
				t.Errorf("screen %s: %s is 「%s」 in the key table, the label says 「%s」", n, name, want, label)
			}
			if tapped == nil { // a check box: its key is tested by the flows
				if keys[row.key] == nil {
					t.Errorf("screen %s: 「%s」 claims %s, but the screen has no such shortcut", n, text, name)
				}
				continue
			}
			f := keys[row.key]
			if f == nil && (row.key == fyne.KeyF12 || row.key == fyne.KeyEscape) && u.menuBtn.Visible() {
				f = u.ShowMenu // the window's own handling: back to the menu
			}
			if funcPtr(f) != funcPtr(tapped) {
				t.Errorf("screen %s: 「%s」 claims %s, but %s does something else", n, text, name, name)
			}
		}
		// Nothing is clipped: every button is laid out at least at its minimum size and inside the window's width
		// (screen 28's menu once rendered its buttons at zero size, only the right half of their text showing).
		cw := w.Canvas().Size().Width
		for _, o := range visibleObjects(w.Content()) {
			b, ok := o.(*widget.Button)
			if !ok || b.Text == "" { // icon-only buttons inside Fyne's own widgets (a SelectEntry's drop-down) are Fyne's
				continue
			}
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
			if sz, min := b.Size(), b.MinSize(); sz.Width+0.5 < min.Width || sz.Height+0.5 < min.Height || pos.X < 0 || pos.X+sz.Width > cw+0.5 {
				t.Errorf("screen %s: button 「%s」 clipped: %v at %v, needs %v, window width %v", n, b.Text, sz, pos, min, cw)
			}
			// The button's own drawing (its background, the first object of its renderer) covers the button: a
			// button resized before its renderer existed keeps a zero-size drawing with its text cut off.
			if objs := test.WidgetRenderer(b).Objects(); len(objs) > 0 && objs[0].Size() != b.Size() {
				t.Errorf("screen %s: button 「%s」 is %v but drawn at %v (not laid out: clipped)", n, b.Text, b.Size(), objs[0].Size())
			}
		}
		// Hints sit under the fields: no example value inside an empty field (a grey 500 reads as a typed amount).
		for _, o := range visibleObjects(w.Content()) {
			if e, ok := o.(*fkeyEntry); ok && o.Visible() && exampleValue.MatchString(e.PlaceHolder) {
				t.Errorf("screen %s: example value %q inside a field; put it in the hint under the field", n, e.PlaceHolder)
			}
		}
		// Every text field passes the function keys on to the screen (a plain Entry swallows them).
		for _, o := range visibleObjects(w.Content()) {
			if e, ok := o.(*widget.Entry); ok && o.Visible() {
				t.Errorf("screen %s: a plain text field (placeholder %q) swallows the function keys; use fkeys", n, e.PlaceHolder)
			}
		}
	}
	service := func(setup func(h *harness)) func(t *testing.T) {
		return func(t *testing.T) {
			h := newHarness(t, enrolledFake())
			setup(h)
			h.u.Wait()
			h.locked(func() { check(t, h.u, h.w) })
		}
	}
	for _, c := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"9", func(t *testing.T) { h := newHarness(t, newFakePlatform()); check(t, h.u, h.w) }},
		{"10", func(t *testing.T) {
			p := newFakePlatform()
			p.enrolled, p.term = true, demoTerminal()
			h := newHarness(t, p)
			check(t, h.u, h.w)
		}},
		{"22", service(func(h *harness) {})},
		{"10change", service(func(h *harness) { h.key(fyne.KeyF3) })},
		{"settings", service(func(h *harness) { h.key(fyne.KeyF11) })},
		{"23", service(func(h *harness) { h.toRegister() })},
		{"24", service(func(h *harness) { h.register("suzuki", "180000000022", "いいえ") })},
		{"25", service(func(h *harness) { h.key(fyne.KeyF2) })},
		{"26number", service(lookupAs(mkpf.HandoffNumber))},
		{"26barcode", service(lookupAs(mkpf.HandoffBarcode))},
		{"26wedge", service(lookupAs(mkpf.HandoffWedge))},
		{"26label", service(lookupAs(mkpf.HandoffLabel))},
	} {
		t.Run(c.name, c.run)
	}
	points := func(kind mkpf.TerminalKind, setup func(h *ptHarness)) func(t *testing.T) {
		return func(t *testing.T) {
			h := newPointsHarness(t, kind)
			setup(h)
			h.u.Wait()
			h.locked(func() { check(t, h.u, h.w) })
		}
	}
	use := func(h *ptHarness) *screen30 { return h.confirmUse("kawasaki", "500") }
	issue := func(h *ptHarness) *screen33 { return h.confirmIssue("", "1000") }
	for _, c := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"2", points(mkpf.KindPointUse, func(h *ptHarness) { h.key(fyne.KeyF4) })},
		{"28pointuse", points(mkpf.KindPointUse, func(h *ptHarness) { h.login() })},
		{"28voucher", points(mkpf.KindVoucher, func(h *ptHarness) { h.login() })},
		{"28shop", points(mkpf.KindServiceID, func(h *ptHarness) { h.login() })},
		{"29", points(mkpf.KindPointUse, func(h *ptHarness) { h.toUse() })},
		{"30", points(mkpf.KindPointUse, func(h *ptHarness) { use(h) })},
		{"31", points(mkpf.KindPointUse, func(h *ptHarness) { h.tap(use(h).use) })},
		{"32", points(mkpf.KindVoucher, func(h *ptHarness) { h.toIssue() })},
		{"33", points(mkpf.KindVoucher, func(h *ptHarness) { issue(h) })},
		{"34", points(mkpf.KindVoucher, func(h *ptHarness) { h.tap(issue(h).issue) })},
		{"35", points(mkpf.KindPointUse, func(h *ptHarness) { h.toClear() })},
		{"36", points(mkpf.KindPointUse, func(h *ptHarness) {
			v := h.pts.addVoucher("98765432", 1000, "2026-12-10", mkpf.VoucherOutstanding)
			s := h.toClear()
			h.scan(v.QR)
			h.tap(s.clear)
		})},
		{"37", points(mkpf.KindServiceID, func(h *ptHarness) { h.toMerge() })},
		{"38", points(mkpf.KindServiceID, func(h *ptHarness) { h.confirmMerge("300") })},
		{"39", points(mkpf.KindServiceID, func(h *ptHarness) { h.tap(h.confirmMerge("300").merge) })},
		{"87", points(mkpf.KindPointUse, func(h *ptHarness) { h.login(); h.key(fyne.KeyF6) })},
	} {
		t.Run(c.name, c.run)
	}
	// The grant screens (64-66, 71-79) on the real loopback platform, each checked where the grant flow shows it.
	t.Run("grant", func(t *testing.T) { grantFlow(t, func(u *UI, w fyne.Window) { check(t, u, w) }) })
	// The patron desk (14-17) on the real loopback platform with the virtual card.
	t.Run("desk", func(t *testing.T) {
		deskFlow(t, func(_ string, h *harness) { h.u.Wait(); h.locked(func() { check(t, h.u, h.w) }) })
	})
	t.Run("mypage", func(t *testing.T) {
		mypageFlow(t, func(_ string, h *harness) { h.u.Wait(); h.locked(func() { check(t, h.u, h.w) }) })
	})
	// Every use the table names appears as a label somewhere (a table row nobody can see is a key nobody finds).
	var missing []string
	for _, row := range keyTable {
		for n, label := range row.on {
			if label != "" && seen[n] && !strings.HasPrefix(claimed[n][row.name], label) && !(row.key == fyne.KeyF12 && claimed[n]["F12"] != "") {
				missing = append(missing, n+" "+row.name+" 「"+label+"」")
			}
		}
	}
	for _, n := range []string{"2", "9", "10", "22", "23", "24", "25", "26", "settings", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38", "39", "87",
		"64", "65", "66", "71", "72", "73", "74", "75", "76", "77", "78", "79", "14", "16", "17", "18", "19", "58", "20", "21", "59", "60", "61", "63", "62"} {
		if !seen[n] {
			missing = append(missing, "screen "+n+" not walked")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("in the key table but on no label:\n%s", strings.Join(missing, "\n"))
	}
}

func containsKey(ks []fyne.KeyName, k fyne.KeyName) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func rowOf(k fyne.KeyName) (keyUse, bool) {
	for _, r := range keyTable {
		if r.key == k {
			return r, true
		}
	}
	return keyUse{}, false
}
