//go:build !demo

package platform

// DemoWorldLinked tells a build that has the demo world (-tags demo) from a release build.
const DemoWorldLinked = false

func (s *Server) seedIdentityDemo() error { return ErrNoDemoWorld }
