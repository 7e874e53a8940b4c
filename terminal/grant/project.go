package grant

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// ProjectInput is screen 64 as typed (ポイント付与事業登録).
type ProjectInput struct {
	ProgramID, Name, Department, Points, Budget, Note string
}

// CountHint is screen 64's hint under its number fields: what parseCount accepts.
const CountHint = "数字で入力してください（全角・半角どちらでも、カンマ区切りも使えます）。"

// Limits of a grant project as typed on screen 64.
const (
	MaxPointsPerPerson = 1_000_000
	MaxBudget          = 1 << 40
	maxProjectText     = 100
)

// CheckProject turns screen 64's entries into a request, or says what is wrong at which field (the wire names of
// mkpf.GrantProjectRequest: program_id, name, department, points_per_person, budget, note) in Japanese.
func CheckProject(in ProjectInput) (mkpf.GrantProjectRequest, map[string]string) {
	req := mkpf.GrantProjectRequest{ProgramID: in.ProgramID, Name: strings.TrimSpace(in.Name),
		Department: strings.TrimSpace(in.Department), Note: strings.TrimSpace(in.Note)}
	errs := map[string]string{}
	if req.ProgramID == "" {
		errs["program_id"] = "付与する自治体ポイントを選んでください。"
	}
	for _, f := range []struct{ name, label, v string }{{"name", "ポイント付与事業名", req.Name}, {"department", "担当部署", req.Department}} {
		switch {
		case f.v == "":
			errs[f.name] = f.label + "を入力してください。"
		case utf8.RuneCountInString(f.v) > maxProjectText:
			errs[f.name] = f.label + "は100文字までで入力してください。"
		}
	}
	if utf8.RuneCountInString(req.Note) > 400 {
		errs["note"] = "備考は400文字までで入力してください。"
	}
	var msg string
	if req.PointsPerPerson, msg = parseCount(in.Points, MaxPointsPerPerson, "付与ポイント数"); msg != "" {
		errs["points_per_person"] = msg
	}
	if req.Budget, msg = parseCount(in.Budget, MaxBudget, "予算"); msg != "" {
		errs["budget"] = msg
	} else if req.PointsPerPerson > 0 && req.Budget < req.PointsPerPerson {
		errs["budget"] = "予算は1人当たりの付与ポイント数以上にしてください。"
	}
	return req, errs
}

// parseCount reads a positive number typed with half- or full-width digits and commas, at most max (screen 64's hint,
// CountHint, says so).
func parseCount(s string, max int64, label string) (int64, string) {
	d := strings.NewReplacer(",", "", "，", "").Replace(halfWidth(strings.TrimSpace(s)))
	if d == "" {
		return 0, label + "を入力してください。"
	}
	n, err := strconv.ParseInt(d, 10, 64)
	switch {
	case err != nil && strings.Trim(d, "0123456789") == "":
		return 0, label + "が大きすぎます。" + strconv.FormatInt(max, 10) + "以下で入力してください。"
	case err != nil:
		return 0, label + "は" + CountHint
	case n <= 0:
		return 0, label + "は1以上で入力してください。"
	case n > max:
		return 0, label + "が大きすぎます。" + strconv.FormatInt(max, 10) + "以下で入力してください。"
	}
	return n, ""
}
