package web_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

type exclusions struct{ fail error }

func (x exclusions) List() any { return []string{"the list"} }

func (x exclusions) Add(req v1.ExclusionRequest) (any, bool, error) {
	if req.SLO != "availability" {
		return nil, false, nil
	}
	return map[string]string{"id": "1"}, true, x.fail
}

func (x exclusions) Withdraw(id string, _ v1.WithdrawRequest) (any, bool, error) {
	return map[string]string{"id": id}, id == "1", x.fail
}

func TestExclusionRoutes(t *testing.T) {
	serve := func(admin bool, fail error) *httptest.Server {
		s := httptest.NewServer(web.New(web.Options{Exclusions: exclusions{fail: fail}, EnableAdmin: admin}))
		t.Cleanup(s.Close)
		return s
	}
	call := func(s *httptest.Server, method, path, body string) (int, string) {
		req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	add := `{"service":"shop","slo":"availability","duration":"1h","reason":"r","approver":"a"}`
	ok, closed := serve(true, nil), serve(false, nil)
	for _, tc := range []struct {
		s                  *httptest.Server
		method, path, body string
		code               int
		want               string
	}{
		{closed, http.MethodGet, "/api/v1/exclusions", "", 200, `"data":["the list"]`},
		{closed, http.MethodPost, "/api/v1/exclusions", add, 403, "--web.enable-admin-api"},
		{closed, http.MethodPost, "/api/v1/exclusions/1/withdraw", `{"who":"a","reason":"r"}`, 403, "--web.enable-admin-api"},
		{ok, http.MethodPost, "/api/v1/exclusions", add, 200, `"data":{"id":"1"}`},
		{ok, http.MethodPost, "/api/v1/exclusions", `{"service":"shop","slo":"x","reason":"r","approver":"a"}`, 404, "unknown SLO shop/x"},
		{ok, http.MethodPost, "/api/v1/exclusions", `{"sevice":"shop"}`, 400, `unknown field \"sevice\"`}, //nolint:misspell // a misspelled field on purpose
		{ok, http.MethodDelete, "/api/v1/exclusions", "", 405, ""},
		{ok, http.MethodPost, "/api/v1/exclusions/1/withdraw", `{"who":"a","reason":"r"}`, 200, `"data":{"id":"1"}`},
		{ok, http.MethodPost, "/api/v1/exclusions/2/withdraw", `{"who":"a","reason":"r"}`, 404, `unknown exclusion \"2\"`},
		{serve(true, errors.New("to: must be after from")), http.MethodPost, "/api/v1/exclusions", add, 400, "must be after from"},
		{serve(true, fmt.Errorf("%w: disk full", web.ErrInternal)), http.MethodPost, "/api/v1/exclusions", add, 500, "disk full"},
	} {
		code, body := call(tc.s, tc.method, tc.path, tc.body)
		require.Equal(t, tc.code, code, "%s %s: %s", tc.method, tc.path, body)
		require.Contains(t, body, tc.want, "%s %s", tc.method, tc.path)
	}
}
