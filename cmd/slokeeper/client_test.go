package main

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slokeeper/slokeeper/internal/web"
	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

// authDaemon is a stand-in for a daemon started with a --web.config.file: TLS with the httptest certificate and
// basic auth admin / s3cret!. It returns the server and the path of a CA file for its certificate.
func authDaemon(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	h := web.New(web.Options{
		Gate: func(service, _ string) (any, web.GateAnswer) {
			if service != "shop" {
				return nil, web.GateUnknownService
			}
			return map[string]any{"allowed": true, "status": "ok", "reason": "every SLO within its budget"}, web.GateAllowed
		},
		Override: func(string, v1.OverrideRequest) (any, bool, error) {
			return map[string]string{"status": "warning", "reason": "lifted"}, true, nil
		},
		EnableAdmin: true,
	})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, password, ok := r.BasicAuth(); !ok || user != "admin" || password != "s3cret!" {
			w.Header().Set("WWW-Authenticate", `Basic realm="slokeeper"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes that the unknown CA case fails
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv, ca
}

// The clients of the daemon's API reach it over TLS with a CA and basic auth from --http.config.file or from
// --url, and never print a password or a query value of --url.
func TestDaemonClientAuth(t *testing.T) {
	srv, ca := authDaemon(t)
	hostPort := strings.TrimPrefix(srv.URL, "https://")
	dir := t.TempDir()
	httpConfig := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return "--http.config.file=" + p
	}
	good := httpConfig("good.yml", "tls_config: {ca_file: "+ca+"}\nbasic_auth: {username: admin, password: s3cret!}\n")
	wrong := httpConfig("wrong.yml", "tls_config: {ca_file: "+ca+"}\nbasic_auth: {username: admin, password: Wr0ngPassw0rd}\n")
	caOnly := httpConfig("ca.yml", "tls_config: {ca_file: "+ca+"}\n")
	withCreds := "--url=https://admin:s3cret%21@" + hostPort
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	closedCreds := "--url=http://admin:s3cret%21@" + strings.TrimPrefix(closed.URL, "http://")
	freeze := []string{"freeze", "lift", "--service=payments", "--reason=fix", "--who=alice"}

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"config file", []string{"gate", "--url=" + srv.URL, good, "--service=shop"}, 0, "shop may ship (ok: every SLO within its budget)\n", ""},
		{"freeze with config file", append(freeze, "--url="+srv.URL, good), 0, "payments is now warning: lifted\n", ""},
		{"credentials in the URL", []string{"gate", withCreds, caOnly, "--service=shop"}, 0, "shop may ship (ok: every SLO within its budget)\n", ""},
		{"wrong password", []string{"gate", "--url=" + srv.URL, wrong, "--service=shop"}, 2, "",
			"https://" + hostPort + "/api/v1/gate/shop answered 401 Unauthorized with a body that is not the gate's (it wants other credentials"},
		{"freeze wrong password", append(freeze, "--url="+srv.URL, wrong), 2, "",
			"https://" + hostPort + "/api/v1/freeze/payments answered 401 Unauthorized with a body that is not the daemon's"},
		{"404 with credentials and a token in the URL", []string{"gate", withCreds + "/nowhere?token=t0ken", caOnly, "--service=shop", "--change-class=security"}, 2, "",
			"https://admin:xxxxx@" + hostPort + "/nowhere/api/v1/gate/shop?change_class=security&token=xxxxx answered 404 Not Found"},
		{"freeze 404 with credentials in the URL", append(freeze, withCreds+"/nowhere", caOnly), 2, "",
			"https://admin:xxxxx@" + hostPort + "/nowhere/api/v1/freeze/payments answered 404 Not Found"},
		{"unknown CA", []string{"gate", withCreds, "--service=shop"}, 2, "",
			`couldn't ask the gate: Get "https://admin:xxxxx@` + hostPort + `/api/v1/gate/shop": tls: failed to verify certificate`},
		{"nothing listening", []string{"gate", closedCreds + "?token=t0ken", "--service=shop", "--timeout=5s"}, 2, "",
			`couldn't ask the gate: Get "http://admin:xxxxx@` + strings.TrimPrefix(closed.URL, "http://") + `/api/v1/gate/shop?token=xxxxx": dial tcp`},
		{"freeze nothing listening", append(freeze, closedCreds, "--timeout=5s"), 2, "",
			`couldn't reach the daemon: Post "http://admin:xxxxx@` + strings.TrimPrefix(closed.URL, "http://") + `/api/v1/freeze/payments": dial tcp`},
		{"credentials twice", []string{"gate", withCreds, good, "--service=shop"}, 2, "", "--url carries credentials and --http.config.file="},
		{"not http", []string{"gate", "--url=ftp://admin:s3cret%21@x/?token=t0ken", "--service=shop"}, 2, "",
			`--url must be an http(s) URL such as http://slokeeper:9099, got "ftp://admin:xxxxx@x/?token=xxxxx"`},
		{"unparsable", []string{"gate", "--url=https://admin:s3cret%21@127.0.0.1:port", "--service=shop"}, 2, "", "got an unparsable URL"},
		{"bad config file", []string{"gate", "--url=" + srv.URL, httpConfig("bad.yml", "basic_auth: {username: admin, pasword: s3cret!}\n"), "--service=shop"}, 2, "",
			"couldn't load --http.config.file="},
		{"missing CA file", []string{"gate", "--url=" + srv.URL, httpConfig("no-ca.yml", "tls_config: {ca_file: "+filepath.Join(dir, "none.pem")+"}\n"), "--service=shop"}, 2, "",
			"couldn't use --http.config.file="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			require.Equal(t, tc.code, code, errOut)
			require.Equal(t, tc.out, out)
			require.Contains(t, errOut, tc.err)
			for _, secret := range []string{"s3cret", "Wr0ngPassw0rd", "t0ken"} {
				require.NotContains(t, out+errOut, secret)
			}
		})
	}
}
