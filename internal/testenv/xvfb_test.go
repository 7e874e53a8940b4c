package testenv_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
)

// A barcode shown by another program on the Xvfb screen is read back by zbar from Screenshot: the screenshot path
// the GUI's real-window test uses for screen 26 in mode B is faithful to the pixel.
func TestXvfbScreenshot_BarcodeOnScreenDecodes(t *testing.T) {
	x := testenv.Xvfb(t)
	img, data, err := handoff.BarcodeImage("180000000011", mkpf.HandoffSettings{CheckDigit: mkpf.CheckMod10W21}, 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	png := filepath.Join(dir, "b.png")
	testenv.SavePNG(t, img, png)
	script := filepath.Join(dir, "show.py")
	os.WriteFile(script, []byte(`import sys, tkinter as tk
root = tk.Tk(); root.title("Shown"); root.geometry("+100+100")
p = tk.PhotoImage(file=sys.argv[1]); tk.Label(root, image=p, bd=0).pack()
root.after(300, lambda: print("READY", flush=True)); root.mainloop()
`), 0o644)
	cmd := exec.Command("/usr/bin/python3", script, png)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("python3-tk: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "READY\n" {
		t.Fatalf("the image window did not start (python3-tk installed?): %q %v", line, err)
	}
	// The window may take a moment to be drawn on a loaded machine: look again for up to 5 s.
	var got []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = testenv.ZbarImage(t, x.Screenshot(t)); len(got) == 1 && got[0] == "Codabar:"+data {
			return
		}
	}
	t.Errorf("screenshot of %s reads %q, want Codabar:%s", x.Display, got, data)
}
