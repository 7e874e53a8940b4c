package mkpf

import "regexp"

var mergeFileNameRe = regexp.MustCompile(`^merge-[0-9]{14}-[0-9]{6}\` + MergeFileExt + `$`)

// ValidMergeFileName reports whether name is a merge file name as MergeFileName makes it for the platform's
// transaction numbers (YYYYMMDDhhmmss-NNNNNN): a terminal writes nothing else into its merge folder, so a name from
// the network can never be ".", "..", a path or a hidden file.
func ValidMergeFileName(name string) bool { return mergeFileNameRe.MatchString(name) }
