package app

// The platform client plus the terminal layer's receipts is the points screens' service (services_real.go hands it
// over as Services.Points).
var _ PointsService = (*pointsClient)(nil)
