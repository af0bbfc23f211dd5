package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slokeeper/slokeeper/internal/config"
	"github.com/slokeeper/slokeeper/internal/exclusion"
	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/slo"
)

// openExclusions opens the ad hoc exclusions kept in the storage directory. An unreadable file stops the start:
// going on without it would drop exclusions and record histories again.
func (a *App) openExclusions(cfg *config.Config) error {
	if err := os.MkdirAll(cfg.Storage.Path, 0o755); err != nil {
		return fmt.Errorf("couldn't create storage.path: %w", err)
	}
	b, err := exclusion.Open(filepath.Join(cfg.Storage.Path, exclusion.FileName))
	if err != nil {
		return err
	}
	a.exclusions = b
	return nil
}

// amend returns s with the ad hoc exclusions the rules apply at now and the history the daemon keeps of it. s, as
// the spec loader made it, is not changed: a rebuild starts from it again.
func (a *App) amend(s *slo.SLO, now time.Time) *slo.SLO {
	history := a.exclusions.History(s.Service, s.Name)
	merged := a.exclusions.Merged(s, now)
	if len(merged) == len(s.Exclusions) && history == "" {
		return s
	}
	c := *s
	c.History, c.Exclusions = history, merged
	return &c
}

// exclusionAPI answers /api/v1/exclusions.
type exclusionAPI struct{ a *App }

func (x exclusionAPI) List() any { return x.a.exclusions.List() }

func (x exclusionAPI) Add(req v1.ExclusionRequest) (any, bool, error) {
	now := time.Now()
	if l := x.a.running.Running(); l == nil || !l.known(req.Service, req.SLO) {
		return nil, false, nil
	}
	e, err := requested(req, now)
	if err != nil {
		return nil, true, err
	}
	rec, err := x.a.exclusions.Add(e, now)
	if err != nil {
		return nil, true, adminError(err)
	}
	x.a.logger.Warn("Ad hoc exclusion", "id", rec.ID, "slo", slo.ID(rec.Service, rec.SLO), "from", rec.From, "to", rec.To,
		"approver", rec.Approver, "reason", rec.Reason, "retroactive", rec.From.Before(rec.Created))
	return x.a.applyExclusions(rec), true, nil
}

func (x exclusionAPI) Withdraw(id string, req v1.WithdrawRequest) (any, bool, error) {
	rec, found, err := x.a.exclusions.Withdraw(id, req.Who, req.Reason, time.Now())
	if !found || err != nil {
		return nil, found, adminError(err)
	}
	x.a.logger.Warn("Ad hoc exclusion withdrawn", "id", rec.ID, "slo", slo.ID(rec.Service, rec.SLO), "who", req.Who, "reason", req.Reason)
	return x.a.applyExclusions(rec), true, nil
}

// applyExclusions rebuilds the running rules so that they hold the book's exclusions; a retroactive change gives
// the SLO a new revision, recorded again over the lookback by backfill.
func (a *App) applyExclusions(rec exclusion.Exclusion) v1.ExclusionChange {
	if err := a.rebuild(); err != nil {
		a.logger.Error("The exclusion is saved but the rules could not be rebuilt; the next reload applies it", "id", rec.ID, "err", err)
		return v1.ExclusionChange{Exclusion: rec, Warning: "saved, but not applied yet (the next successful reload applies it): " + err.Error()}
	}
	return v1.ExclusionChange{Exclusion: rec, Applied: true}
}

// rebuild generates the rules of the running specs again, with the running config, and applies them.
func (a *App) rebuild() error {
	return a.running.Update(func(running *loaded) (*loaded, error) {
		l, err := a.buildSpecs(running.cfg, running.files, running.parsed)
		if err != nil {
			return nil, err
		}
		return l, a.prepare(l)
	})
}

// requested turns the API's request into an exclusion; from defaults to now.
func requested(req v1.ExclusionRequest, now time.Time) (exclusion.Exclusion, error) {
	e := exclusion.Exclusion{Service: req.Service, SLO: req.SLO, From: now, Reason: req.Reason, Approver: req.Approver}
	var err error
	if req.From != "" {
		if e.From, err = slo.ParseExclusionTime(req.From); err != nil {
			return e, fmt.Errorf("from: %w", err)
		}
	}
	switch {
	case req.To != "" && req.Duration != "":
		return e, errors.New("set to or duration, not both")
	case req.To != "":
		if e.To, err = slo.ParseExclusionTime(req.To); err != nil {
			return e, fmt.Errorf("to: %w", err)
		}
	case req.Duration != "":
		d, err := model.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			return e, fmt.Errorf("duration: must be a positive duration such as 2h, got %q", req.Duration)
		}
		e.To = e.From.Add(time.Duration(d))
	default:
		return e, errors.New("set to (when it ends) or duration (how long it lasts)")
	}
	return e, nil
}

// adminError marks the book's failures to save as the daemon's (500).
func adminError(err error) error {
	if errors.Is(err, exclusion.ErrNotSaved) {
		return fmt.Errorf("%w: %w", web.ErrInternal, err)
	}
	return err
}
