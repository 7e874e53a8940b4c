package platform_test

import (
	"context"
	"testing"

	"github.com/mykeyterm/mykeyterm/platform"
)

// Screens 78/79 show 「名簿 N人」 from the sync: it counts people, while a participant whose card was renewed has an
// entry for each of the card's serials (the demo feeds yamada's renewal).
func TestScreen78_SyncCountsPeopleNotCardEntries(t *testing.T) {
	w := newPointsWorld(t)
	ctx := context.Background()
	phone := w.grantTerminal("00053062")
	sync, err := phone.SyncGrantRoster(ctx, platform.DemoGrantProject)
	if err != nil {
		t.Fatal(err)
	}
	list, err := phone.GrantProjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	people := -1
	for _, p := range list.Projects {
		if p.ID == platform.DemoGrantProject {
			people = p.Participants
		}
	}
	if sync.People != people || people < 1 {
		t.Fatalf("sync says %d people, the roster has %d", sync.People, people)
	}
	if len(sync.Entries) <= sync.People {
		t.Fatalf("%d entries for %d people: the renewed card's second entry is missing, the test proves nothing", len(sync.Entries), sync.People)
	}
}
