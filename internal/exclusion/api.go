package exclusion

import v1 "github.com/slokeeper/slokeeper/pkg/api/v1"

// The book's records are the API's (pkg/api/v1): defined once, served and persisted as they are.
type (
	// Exclusion is one ad hoc exclusion with its audit trail.
	Exclusion = v1.Exclusion
	// Withdrawal ends an exclusion before its time, with its audit data.
	Withdrawal = v1.Withdrawal
)
