package mkpf

import "errors"

// ClerkError is the one clerk-error type of the program: Message is already the Japanese sentence shown to the
// clerk (what happened and what to do next), Err the cause for errors.Is/As and logs. handoff.Error, printing.Error,
// mergefile.Error, cardio.Error, platformclient.Error and terminal.ClerkError are all this type, so
// errors.As(err, new(*mkpf.ClerkError)) finds any of them and terminal.Message reads one type.
//
// Kind and Op are optional: Kind is the sentinel of a card failure (cardio.ErrNoCard, …; errors.Is finds it), Op the
// platform call that failed ("lookup", "open", …). A ClerkError with either is a failure of a device or a transport
// below the flow; one with neither is a refusal the flow itself decided (see Decided).
type ClerkError struct {
	Kind    error
	Op      string
	Message string
	Err     error
}

func (e *ClerkError) Error() string {
	s := e.Message
	if e.Kind != nil {
		s = e.Kind.Error()
	}
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives the kind and the cause to errors.Is and errors.As.
func (e *ClerkError) Unwrap() []error {
	switch {
	case e.Kind != nil && e.Err != nil:
		return []error{e.Kind, e.Err}
	case e.Kind != nil:
		return []error{e.Kind}
	case e.Err != nil:
		return []error{e.Err}
	}
	return nil
}

// Decided reports whether err is a ClerkError the flow decided itself (neither a card Kind nor a platform Op): a
// refusal with nothing left unknown, so pressing the same button again changes nothing.
func Decided(err error) bool {
	var ce *ClerkError
	return errors.As(err, &ce) && ce.Kind == nil && ce.Op == ""
}
