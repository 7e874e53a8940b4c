package app

// The grant screens (いわゆる行政ポイント, seed 004 §V): the grant office's 業務支援システム (71-76, with ポイント付与事業登録
// 64-66) and the 持ち歩き用ポイント付与アプリ (77-79, phone layout or a desktop with a PC/SC reader). They are thin views
// over GrantService, which is terminal/grant (the office roster, the phone's offline store) over the platform client
// and the card source.

import (
	"context"
	"errors"
	"sync"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// GrantService is what screens 64-66 and 71-79 use. The office roster and the device store are opened in the
// terminal's data directory when first used (one process holds each file).
type GrantService struct {
	Client *platformclient.Client
	Src    cardio.Source

	mu     sync.Mutex
	office *grant.Office
	device *grant.Device
}

// NewGrantService is the grant screens' service over an enrolled (or about to enroll) client and a card source.
func NewGrantService(client *platformclient.Client, src cardio.Source) *GrantService {
	return &GrantService{Client: client, Src: src}
}

func (g *GrantService) platform() grant.Platform { return grant.FromClient(g.Client) }

// Close closes the office roster and the device store.
func (g *GrantService) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.office != nil {
		g.office.Close()
		g.office = nil
	}
	if g.device != nil {
		g.device.Close()
		g.device = nil
	}
}

// Office is the grant office roster (screens 72-76).
func (g *GrantService) Office() (*grant.Office, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.office == nil {
		o, err := grant.OpenOffice(g.Client.DataDir())
		if err != nil {
			return nil, err
		}
		g.office = o
	}
	return g.office, nil
}

// Device is the grant phone's store (screens 78-79).
func (g *GrantService) Device() (*grant.Device, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.device == nil {
		d, err := grant.OpenDevice(g.Client.DataDir())
		if err != nil {
			return nil, err
		}
		g.device = d
	}
	return g.device, nil
}

// ErrNotGrantTerminal is screen 71's or 77's answer for a terminal of another kind.
var ErrNotGrantTerminal = &ClerkError{Message: "この端末IDはポイント付与用ではありません。自治体から配布されたポイント付与用の端末IDとパスワードでログインしてください。"}

// Login is screens 71 and 77: the first time on this device it enrolls it at platformURL (like screen 9), then it
// checks the password with the platform. office says which kind the screen is for.
func (g *GrantService) Login(ctx context.Context, platformURL, id, password string, office bool) (*mkpf.PointsLoginResult, error) {
	if !g.Client.Enrolled() {
		if _, err := g.Client.Enroll(ctx, platformURL, id, password); err != nil {
			return nil, err
		}
	}
	res, err := g.Client.Login(ctx, id, password)
	if err != nil {
		var apiErr *mkpf.APIError
		if errors.As(err, &apiErr) && apiErr.Code == mkpf.CodeForbidden {
			return nil, ErrNotGrantTerminal
		}
		return nil, err
	}
	if office && !res.Menu.GrantOffice || !office && !res.Menu.Grant {
		return nil, ErrNotGrantTerminal
	}
	return res, nil
}

// Projects lists the grant projects of the terminal's municipality and the programs a new one may grant.
func (g *GrantService) Projects(ctx context.Context) (*mkpf.GrantProjectList, error) {
	return g.Client.GrantProjects(ctx)
}

// CreateProject is screen 65 [登録]; opKey is drawn once per confirmation screen (a second press applies once).
func (g *GrantService) CreateProject(ctx context.Context, req mkpf.GrantProjectRequest, opKey string) (*mkpf.GrantProject, error) {
	return g.Client.CreateGrantProject(ctx, req, opKey)
}

// Import is screen 74 [登録].
func (g *GrantService) Import(ctx context.Context, project mkpf.GrantProject, data []byte) (*grant.ImportResult, error) {
	o, err := g.Office()
	if err != nil {
		return nil, err
	}
	return o.Import(ctx, g.platform(), project, data)
}

// Add is screen 75 [登録].
func (g *GrantService) Add(ctx context.Context, project mkpf.GrantProject, mykeyID string, p grant.Person) (*grant.Participant, error) {
	o, err := g.Office()
	if err != nil {
		return nil, err
	}
	return o.Add(ctx, g.platform(), project, mykeyID, p)
}

// RegisterCard is screen 76 [登録・読取].
func (g *GrantService) RegisterCard(ctx context.Context, participantID string) (*grant.Participant, error) {
	o, err := g.Office()
	if err != nil {
		return nil, err
	}
	return o.RegisterCard(ctx, g.platform(), g.Src, "", participantID)
}

// RegisterMyKeyID is screen 76's registration of a MyKey ID the participant declares (§V(5)).
func (g *GrantService) RegisterMyKeyID(ctx context.Context, participantID, mykeyID string) (*grant.Participant, error) {
	o, err := g.Office()
	if err != nil {
		return nil, err
	}
	return o.RegisterMyKeyID(ctx, g.platform(), participantID, mykeyID)
}

// RefusedTaps are the stored grants the upload rep refused, with their tap times (screen 79's list).
func (g *GrantService) RefusedTaps(rep *grant.UploadReport) []grant.StoredGrant {
	d, err := g.Device()
	if err != nil {
		return nil
	}
	return d.RefusedTaps(rep)
}

// GrantWithoutCard is screen 76's grant for a participant who forgot the card (§V(7)).
func (g *GrantService) GrantWithoutCard(ctx context.Context, participantID string) (*mkpf.GrantAccepted, error) {
	o, err := g.Office()
	if err != nil {
		return nil, err
	}
	return o.GrantWithoutCard(ctx, g.platform(), participantID)
}

// Sync is screen 78 [付与事業対象者名簿の同期（取得）].
func (g *GrantService) Sync(ctx context.Context, projectID string) (*mkpf.GrantSync, error) {
	d, err := g.Device()
	if err != nil {
		return nil, err
	}
	return d.Sync(ctx, g.platform(), projectID)
}

// Run is screen 79's continuous reading until ctx ends.
func (g *GrantService) Run(ctx context.Context, answer func(grant.TapResult)) error {
	d, err := g.Device()
	if err != nil {
		return err
	}
	return d.Run(ctx, g.Src, answer)
}

// Upload is screen 79 [自治体ポイント管理クラウドへ登録].
func (g *GrantService) Upload(ctx context.Context, progress func(done, total int)) (*grant.UploadReport, error) {
	d, err := g.Device()
	if err != nil {
		return nil, err
	}
	return d.Upload(ctx, g.platform(), progress)
}

// grantMessage is the clerk's text of an error of the grant screens.
func grantMessage(err error) string { return grant.Message(err) }

// grantKey is a button's label with its key, e.g. 「設定 (F5)」; on the phone, which has no function keys, the label
// alone.
func grantKey(u *UI, label, key string) string {
	if u.Svc.Phone {
		return label
	}
	return label + " (" + key + ")"
}

// grantRelayout lays the window out again after a label's text grew or shrank (Fyne containers do not re-run their
// layout when a child's minimum size changes).
func grantRelayout(u *UI) {
	if c := u.Win.Canvas(); c.Content() != nil {
		c.Content().Refresh()
	}
}
