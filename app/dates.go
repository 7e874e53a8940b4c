package app

import "time"

// dayLayout is the one way a day is written on screen (2026年12月24日), in fields the app fills in as well as in
// summaries. Input also accepts 2026-12-24, 2026/12/24 and 20261224 (terminal.ParseDay).
const dayLayout = "2006年1月2日"

// dayText writes t's day in dayLayout.
func dayText(t time.Time) string { return t.Format(dayLayout) }
