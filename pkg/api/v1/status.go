package v1

import "time"

// DaemonStatus is GET /api/v1/status: what the daemon runs and how it is doing.
type DaemonStatus struct {
	Version   string    `json:"version"`
	StartTime time.Time `json:"start_time"`
	// ConfigFile is --config.file (empty with --demo alone), Config the running configuration, secrets hidden.
	ConfigFile string `json:"config_file"`
	Config     string `json:"config"`
	// SpecFiles are the spec files loaded, SLOs how many SLOs they hold.
	SpecFiles []string `json:"spec_files"`
	SLOs      int      `json:"slos"`
	// ReloadSuccessful tells whether the last reload succeeded; LastReloadSuccessTime is when one last did.
	ReloadSuccessful      bool      `json:"reload_successful"`
	LastReloadSuccessTime time.Time `json:"last_reload_success_time"`
	// BackfillPending counts the SLOs whose recorded history is still being rebuilt.
	BackfillPending int  `json:"backfill_pending"`
	Ready           bool `json:"ready"`
	// SnapshotTime is when the served budgets were computed; null before the first snapshot.
	SnapshotTime       *time.Time        `json:"snapshot_time"`
	Demo               bool              `json:"demo"`
	StoragePath        string            `json:"storage_path"`
	ExternalLabels     map[string]string `json:"external_labels"`
	EvaluationInterval string            `json:"evaluation_interval"`
}
