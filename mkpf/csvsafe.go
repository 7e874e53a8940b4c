package mkpf

// InertCSVCell makes a CSV cell safe to open in a spreadsheet: a cell starting with = + - @ (a formula to Excel and
// LibreOffice) or with a tab or CR gets a leading apostrophe, so it shows as the text it is and never runs
// (CSV/formula injection: a terminal's location "=HYPERLINK(...)" must not become a link in the municipality's
// Excel). Every CSV the project writes passes its cells through here (InertCSVRow).
func InertCSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// InertCSVRow is InertCSVCell on every cell of a row.
func InertCSVRow(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = InertCSVCell(c)
	}
	return out
}
