package platformclient

// SetMachineIdentifiersForTest replaces the machine identifiers the fingerprint is made of (a test plays a PC whose
// board was replaced) until restore is called.
func SetMachineIdentifiersForTest(f func() [][]byte) (restore func()) {
	old := machineIDs
	machineIDs = f
	return func() { machineIDs = old }
}
