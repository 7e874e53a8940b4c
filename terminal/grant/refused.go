package grant

// RefusedTaps are the grants an upload refused, as stored on the device (tap order), so screen 79 can say which taps
// they were: the phone knows no names, but the staff can match a tap's time against their own list of the day.
func (d *Device) RefusedTaps(rep *UploadReport) []StoredGrant {
	if rep == nil || len(rep.Refused) == 0 {
		return nil
	}
	ids := make(map[string]bool, len(rep.Refused))
	for _, r := range rep.Refused {
		ids[r.GrantID] = true
	}
	var out []StoredGrant
	for _, g := range d.list(StateRefused) {
		if ids[g.GrantID] {
			out = append(out, g)
		}
	}
	return out
}
