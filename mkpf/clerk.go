package mkpf

// ClerkError is the one clerk-error type of the program: Message is already the Japanese sentence shown to the
// clerk (what happened and what to do next), Err the cause for errors.Is/As and logs. handoff.Error, printing.Error,
// mergefile.Error and terminal.ClerkError are this type; cardio.Error and platformclient.Error carry the same
// Message beside a kind or an operation, and terminal.Message reads any of them.
type ClerkError struct {
	Message string
	Err     error
}

func (e *ClerkError) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *ClerkError) Unwrap() error { return e.Err }
