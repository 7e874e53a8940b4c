package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/OpenPrinting/goipp"
)

// IPPPrinter prints over IPP (CUPS or a network printer) with print-scaling=fit and the Document's size as a custom
// media, so a label PDF is neither tiled nor rotated (notes §2).
type IPPPrinter struct {
	spec       string
	printerURI string // ipp://host:port/printers/NAME, sent in the request
	httpURL    string // http://host:port/printers/NAME, where the request is posted
	extra      []goipp.Attribute
	client     *http.Client
}

var ippRequestID atomic.Uint32

// cupsServer is the local CUPS host:port; CUPS_SERVER overrides it unless it names a socket.
func cupsServer() string {
	if s := os.Getenv("CUPS_SERVER"); s != "" && !strings.HasPrefix(s, "/") {
		if !strings.Contains(s, ":") {
			s += ":631"
		}
		return s
	}
	return "localhost:631"
}

func cupsQueueURL(queue string) string {
	return "ipp://" + cupsServer() + "/printers/" + url.PathEscape(queue)
}

func newIPP(spec, uri string, extra []goipp.Attribute) (*IPPPrinter, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return nil, errf(fmt.Errorf("%w: %q", ErrUnknownSpec, spec), "プリンターのアドレス「%s」が正しくありません", spec)
	}
	h := *u
	switch u.Scheme {
	case "ipp", "http":
		h.Scheme = "http"
		if u.Port() == "" {
			h.Host = u.Hostname() + ":631"
		}
	case "ipps", "https":
		h.Scheme = "https"
		if u.Port() == "" {
			h.Host = u.Hostname() + ":631"
		}
	default:
		return nil, errf(fmt.Errorf("%w: %q", ErrUnknownSpec, spec), "プリンターのアドレス「%s」が正しくありません", spec)
	}
	p := *u
	if p.Scheme == "http" {
		p.Scheme = "ipp"
	} else if p.Scheme == "https" {
		p.Scheme = "ipps"
	}
	return &IPPPrinter{spec: spec, printerURI: p.String(), httpURL: h.String(), extra: extra,
		client: &http.Client{Timeout: 60 * time.Second}}, nil
}

// Name is the spec the printer was opened with.
func (p *IPPPrinter) Name() string { return p.spec }

// URI is the printer-uri sent in requests.
func (p *IPPPrinter) URI() string { return p.printerURI }

func newIPPRequest(op goipp.Op, printerURI string) *goipp.Message {
	m := goipp.NewRequest(goipp.MakeVersion(2, 0), op, ippRequestID.Add(1))
	m.Operation.Add(goipp.MakeAttribute("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
	m.Operation.Add(goipp.MakeAttribute("attributes-natural-language", goipp.TagLanguage, goipp.String("ja-jp")))
	if printerURI != "" {
		m.Operation.Add(goipp.MakeAttribute("printer-uri", goipp.TagURI, goipp.String(printerURI)))
	}
	return m
}

func userName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "mykeyterm"
}

// mediaKeyword is the IPP custom media for a w×h mm page ("Custom.62x29mm").
func mediaKeyword(w, h float64) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return "Custom." + f(w) + "x" + f(h) + "mm"
}

// Print sends doc as application/pdf (or image/png when it has only an Image) and returns the job id.
func (p *IPPPrinter) Print(ctx context.Context, doc Document) (string, error) {
	var body []byte
	format := "application/pdf"
	switch {
	case len(doc.PDF) > 0:
		body = doc.PDF
	case doc.Image != nil:
		var err error
		if body, err = encodePNG(doc.Image); err != nil {
			return "", err
		}
		format = "image/png"
	default:
		return "", errf(ErrNoContent, "印刷する内容がありません")
	}
	return p.submit(ctx, doc.Title, format, body, doc.WidthMM, doc.HeightMM)
}

// submit sends one Print-Job; w and h (mm) set a custom media when both are positive.
func (p *IPPPrinter) submit(ctx context.Context, title, format string, body []byte, w, h float64) (string, error) {
	m := newIPPRequest(goipp.OpPrintJob, p.printerURI)
	m.Operation.Add(goipp.MakeAttribute("requesting-user-name", goipp.TagName, goipp.String(userName())))
	if title == "" {
		title = "mykeyterm"
	}
	m.Operation.Add(goipp.MakeAttribute("job-name", goipp.TagName, goipp.String(title)))
	m.Operation.Add(goipp.MakeAttribute("document-format", goipp.TagMimeType, goipp.String(format)))
	if w > 0 && h > 0 {
		m.Job.Add(goipp.MakeAttribute("media", goipp.TagKeyword, goipp.String(mediaKeyword(w, h))))
	}
	if format != rawFormat {
		m.Job.Add(goipp.MakeAttribute("print-scaling", goipp.TagKeyword, goipp.String("fit")))
	}
	for _, a := range p.extra {
		m.Job.Add(a)
	}
	resp, err := p.do(ctx, m, body)
	if err != nil {
		return "", err
	}
	for _, a := range resp.Job {
		if a.Name == "job-id" && len(a.Values) > 0 {
			return a.Values[0].V.String(), nil
		}
	}
	return "", errf(errors.New("no job-id in Print-Job response"), "プリンターが印刷ジョブを受け付けたか確認できません")
}

// rawFormat makes CUPS pass the bytes to the printer untouched (a raw queue).
const rawFormat = "application/vnd.cups-raw"

func (p *IPPPrinter) do(ctx context.Context, m *goipp.Message, doc []byte) (*goipp.Message, error) {
	return ippDo(ctx, p.client, p.httpURL, p.spec, m, doc)
}

func ippDo(ctx context.Context, client *http.Client, httpURL, name string, m *goipp.Message, doc []byte) (*goipp.Message, error) {
	head, err := m.EncodeBytes()
	if err != nil {
		return nil, errf(err, "印刷の要求を作れませんでした")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, httpURL, io.MultiReader(bytes.NewReader(head), bytes.NewReader(doc)))
	if err != nil {
		return nil, errf(err, "プリンターのアドレス「%s」が正しくありません", name)
	}
	req.Header.Set("Content-Type", goipp.ContentType)
	hr, err := client.Do(req)
	if err != nil {
		return nil, errf(err, "プリンター「%s」に接続できません。プリンターの電源と印刷サービス (CUPS) が動いているか確認してください", name)
	}
	defer hr.Body.Close()
	if hr.StatusCode != http.StatusOK {
		return nil, errf(fmt.Errorf("HTTP %s", hr.Status), "プリンター「%s」が要求を断りました (HTTP %d)。プリンター名を確認してください", name, hr.StatusCode)
	}
	var resp goipp.Message
	if err := resp.Decode(hr.Body); err != nil {
		return nil, errf(err, "プリンター「%s」の応答を読めませんでした", name)
	}
	if st := goipp.Status(resp.Code); st >= 0x0100 {
		msg := st.String()
		for _, a := range resp.Operation {
			if a.Name == "status-message" && len(a.Values) > 0 {
				msg += " (" + a.Values[0].V.String() + ")"
			}
		}
		if st == goipp.StatusErrorNotFound {
			return nil, errf(errors.New(msg), "プリンター「%s」が見つかりません。設定画面でプリンターを選び直してください", name)
		}
		return nil, errf(errors.New(msg), "プリンター「%s」が印刷を受け付けませんでした", name)
	}
	return &resp, nil
}

// JobState is an IPP job-state (RFC 8011 5.3.7).
type JobState int

const (
	JobPending    JobState = 3
	JobHeld       JobState = 4
	JobProcessing JobState = 5
	JobStopped    JobState = 6
	JobCanceled   JobState = 7
	JobAborted    JobState = 8
	JobCompleted  JobState = 9
)

// JobState asks the printer for the state of a job it accepted.
func (p *IPPPrinter) JobState(ctx context.Context, jobID string) (JobState, error) {
	id, err := strconv.Atoi(jobID)
	if err != nil {
		return 0, errf(err, "印刷ジョブ番号「%s」が正しくありません", jobID)
	}
	m := newIPPRequest(goipp.OpGetJobAttributes, p.printerURI)
	m.Operation.Add(goipp.MakeAttribute("job-id", goipp.TagInteger, goipp.Integer(id)))
	m.Operation.Add(goipp.MakeAttribute("requested-attributes", goipp.TagKeyword, goipp.String("job-state")))
	resp, err := p.do(ctx, m, nil)
	if err != nil {
		return 0, err
	}
	for _, a := range resp.Job {
		if a.Name == "job-state" && len(a.Values) > 0 {
			if v, ok := a.Values[0].V.(goipp.Integer); ok {
				return JobState(v), nil
			}
		}
	}
	return 0, errf(errors.New("no job-state"), "印刷ジョブの状態を確認できません")
}

// Wait polls the job until it completed (nil) or ended otherwise (an error), or ctx ends.
func (p *IPPPrinter) Wait(ctx context.Context, jobID string) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		st, err := p.JobState(ctx, jobID)
		if err != nil {
			return err
		}
		switch st {
		case JobCompleted:
			return nil
		case JobCanceled, JobAborted, JobStopped:
			return errf(fmt.Errorf("job %s state %d", jobID, st), "印刷が中止されました。プリンターの状態を確認してください")
		}
		select {
		case <-ctx.Done():
			return errf(ctx.Err(), "印刷が終わるのを待ちきれませんでした。プリンターの状態を確認してください")
		case <-t.C:
		}
	}
}

// listCUPS asks the local CUPS for its queues with CUPS-Get-Printers.
func listCUPS(ctx context.Context) ([]string, error) {
	m := newIPPRequest(goipp.OpCupsGetPrinters, "")
	m.Operation.Add(goipp.MakeAttribute("requested-attributes", goipp.TagKeyword, goipp.String("printer-name")))
	resp, err := ippDo(ctx, &http.Client{Timeout: 10 * time.Second}, "http://"+cupsServer()+"/", "CUPS", m, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range resp.Groups {
		if g.Tag != goipp.TagPrinterGroup {
			continue
		}
		for _, a := range g.Attrs {
			if a.Name == "printer-name" && len(a.Values) > 0 {
				out = append(out, "cups:"+a.Values[0].V.String())
			}
		}
	}
	return out, nil
}
