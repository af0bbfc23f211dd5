package v1

import "encoding/json"

// ResponseStatus is the status field of every answer.
type ResponseStatus string

// The response statuses.
const (
	StatusSuccess ResponseStatus = "success"
	StatusError   ResponseStatus = "error"
)

// ErrorType classifies an error answer, as in Prometheus' API.
type ErrorType string

// The error types the daemon answers with.
const (
	// ErrBadData: the request is wrong; the message says what to change (400).
	ErrBadData ErrorType = "bad_data"
	// ErrNotFound: no loaded SLO, service or record has that name (404).
	ErrNotFound ErrorType = "not_found"
	// ErrUnavailable: the daemon cannot answer yet or right now, so retry and don't act (503); or the endpoint is
	// disabled by a flag (403).
	ErrUnavailable ErrorType = "unavailable"
	// ErrInternal: the daemon's fault, not the request's (500).
	ErrInternal ErrorType = "internal"
)

// Response is the envelope of every /api/v1 answer: {"status":"success","data":…} or {"status":"error",
// "errorType":…,"error":…} with, for some errors (a gate that cannot decide), data too. A client decodes it with
// the data type of the endpoint, e.g. Response[GateDecision].
type Response[T any] struct {
	Status    ResponseStatus `json:"status"`
	Data      T              `json:"data,omitzero"`
	ErrorType ErrorType      `json:"errorType,omitempty"`
	Error     string         `json:"error,omitempty"`
}

// Success is the envelope of data. A success always has data: nil data is sent as null.
func Success(data any) Response[any] {
	if data == nil {
		data = json.RawMessage("null")
	}
	return Response[any]{Status: StatusSuccess, Data: data}
}

// Failure is the envelope of an error, with data when there is some (nil: none).
func Failure(t ErrorType, msg string, data any) Response[any] {
	return Response[any]{Status: StatusError, ErrorType: t, Error: msg, Data: data}
}
