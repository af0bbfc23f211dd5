package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// ErrInternal wraps an error of the Exclusions API that is the daemon's fault, not the request's (500).
var ErrInternal = errors.New("internal error")

// ExclusionRequest is the body of POST /api/v1/exclusions: an ad hoc exclusion of one SLO.
type ExclusionRequest struct {
	Service string `json:"service"`
	SLO     string `json:"slo"`
	// From is when it starts (RFC 3339); empty means when the daemon takes it.
	From string `json:"from,omitempty"`
	// To is when it ends (RFC 3339); or Duration, how long it lasts from From (Prometheus' syntax, e.g. 2h).
	To       string `json:"to,omitempty"`
	Duration string `json:"duration,omitempty"`
	// Reason and Approver go to the audit trail; both are required.
	Reason   string `json:"reason"`
	Approver string `json:"approver"`
}

// WithdrawRequest is the body of POST /api/v1/exclusions/{id}/withdraw.
type WithdrawRequest struct {
	Who    string `json:"who"`
	Reason string `json:"reason"`
}

// Exclusions answers the exclusion endpoints. Add and Withdraw return the record, or found false for an unknown
// SLO or id (404), or an error: for bad input (400) or, wrapping ErrInternal, the daemon's (500).
type Exclusions interface {
	List() any
	Add(req ExclusionRequest) (record any, found bool, err error)
	Withdraw(id string, req WithdrawRequest) (record any, found bool, err error)
}

// routeExclusions serves GET /api/v1/exclusions (the records, an audit trail anyone may read) and, with
// EnableAdmin, POST to create one and POST …/{id}/withdraw to end one.
func (h *Handler) routeExclusions(x Exclusions) {
	h.route(conventions.PathExclusions, conventions.PathExclusions, []string{http.MethodGet, http.MethodPost}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			h.respond(w, x.List())
			return
		}
		var req ExclusionRequest
		if !h.decodeAdmin(w, r, &req, "service, slo, from, to or duration, reason and approver") {
			return
		}
		rec, found, err := x.Add(req)
		h.answerAdmin(w, rec, found, err, fmt.Sprintf("unknown SLO %s/%s: no loaded SLO has that service and name", req.Service, req.SLO))
	}))
	h.route(conventions.PathWithdraw, conventions.PathWithdraw, []string{http.MethodPost}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req WithdrawRequest
		if !h.decodeAdmin(w, r, &req, "who and reason") {
			return
		}
		id := r.PathValue("id")
		rec, found, err := x.Withdraw(id, req)
		h.answerAdmin(w, rec, found, err, fmt.Sprintf("unknown exclusion %q: GET %s lists them", id, conventions.PathExclusions))
	}))
}

// decodeAdmin refuses the request unless admin APIs are on, and decodes its JSON body into v (fields names the
// fields, for the message); false when it answered.
func (h *Handler) decodeAdmin(w http.ResponseWriter, r *http.Request, v any, fields string) bool {
	if !h.opts.EnableAdmin {
		h.respondError(w, http.StatusForbidden, "unavailable", "admin APIs are disabled: start slokeeper with --web.enable-admin-api")
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		h.respondError(w, http.StatusBadRequest, "bad_data", "the body must be a JSON object with "+fields+": "+err.Error())
		return false
	}
	return true
}

func (h *Handler) answerAdmin(w http.ResponseWriter, rec any, found bool, err error, notFound string) {
	switch {
	case !found:
		h.respondError(w, http.StatusNotFound, "not_found", notFound)
	case errors.Is(err, ErrInternal):
		h.respondError(w, http.StatusInternalServerError, "internal", err.Error())
	case err != nil:
		h.respondError(w, http.StatusBadRequest, "bad_data", err.Error())
	default:
		h.respond(w, rec)
	}
}
