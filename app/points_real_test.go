package app

import "github.com/mykeyterm/mykeyterm/platformclient"

// The platform client is the points screens' service as is (services_real.go hands it over as Services.Points).
var _ PointsService = (*platformclient.Client)(nil)
