package printing_test

import (
	"errors"

	"github.com/mykeyterm/mykeyterm/printing"
)

func asPrintingError(err error, pe **printing.Error) bool { return errors.As(err, pe) }
