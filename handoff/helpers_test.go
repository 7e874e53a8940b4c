package handoff_test

import (
	"errors"
	"strings"
)

func asError(err error, target any) bool { return errors.As(err, target) }
func contains(s, sub string) bool        { return strings.Contains(s, sub) }

func isErr(err, target error) bool { return errors.Is(err, target) }
