package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
	"github.com/slokeeper/slokeeper/pkg/conventions"
)

// ErrInternal wraps an error of the Exclusions API that is the daemon's fault, not the request's (500).
var ErrInternal = errors.New("internal error")

// Exclusions answers the exclusion endpoints. Add and Withdraw return the record, or found false for an unknown
// SLO or id (404), or an error: for bad input (400) or, wrapping ErrInternal, the daemon's (500).
type Exclusions interface {
	List() any
	Add(req v1.ExclusionRequest) (record any, found bool, err error)
	Withdraw(id string, req v1.WithdrawRequest) (record any, found bool, err error)
}

// routeExclusions serves GET /api/v1/exclusions (the records, an audit trail anyone may read) and, with
// EnableAdmin, POST to create one and POST …/{id}/withdraw to end one.
func (h *Handler) routeExclusions(x Exclusions) {
	h.route(conventions.PathExclusions, conventions.PathExclusions, []string{http.MethodGet, http.MethodPost}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			h.respond(w, x.List())
			return
		}
		var req v1.ExclusionRequest
		if !h.decodeAdmin(w, r, &req, "service, slo, from, to or duration, reason and approver") {
			return
		}
		rec, found, err := x.Add(req)
		h.answerAdmin(w, rec, found, err, fmt.Sprintf("unknown SLO %s/%s: no loaded SLO has that service and name", req.Service, req.SLO))
	}))
	h.route(conventions.PathWithdraw, conventions.PathWithdraw, []string{http.MethodPost}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req v1.WithdrawRequest
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
		h.respondError(w, http.StatusForbidden, v1.ErrUnavailable, "admin APIs are disabled: start slokeeper with --web.enable-admin-api")
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		h.respondError(w, http.StatusBadRequest, v1.ErrBadData, "the body must be a JSON object with "+fields+": "+err.Error())
		return false
	}
	return true
}

func (h *Handler) answerAdmin(w http.ResponseWriter, rec any, found bool, err error, notFound string) {
	switch {
	case !found:
		h.respondError(w, http.StatusNotFound, v1.ErrNotFound, notFound)
	case errors.Is(err, ErrInternal):
		h.respondError(w, http.StatusInternalServerError, v1.ErrInternal, err.Error())
	case err != nil:
		h.respondError(w, http.StatusBadRequest, v1.ErrBadData, err.Error())
	default:
		h.respond(w, rec)
	}
}
