package platform

import (
	"errors"
	"os"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

func mkdirTemp() (string, error) { return os.MkdirTemp("", "mkpf-fuzz") }

func asAPIError(err error, ae **mkpf.APIError) bool { return errors.As(err, ae) }
