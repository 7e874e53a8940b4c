package platform

import "time"

// tapTime is the tap time a grant is recorded and noticed with (its 付与日 is the day the card was tapped, not the day
// the phone uploaded): the phone's clock, bounded so a wrong or forged clock cannot move it far. It is never after
// the upload (now) and never before the sync whose roster matched the card (a tap needs that sync); a missing time is
// the upload's.
func tapTime(tapped, syncAt, now time.Time) time.Time {
	switch {
	case tapped.IsZero() || tapped.After(now):
		return now.UTC()
	case tapped.Before(syncAt):
		return syncAt.UTC()
	}
	return tapped.UTC()
}
