package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"github.com/slokeeper/slokeeper/internal/web"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	require.NoError(t, err)
	cfg := writeFile(t, t.TempDir(), "web.yml", "basic_auth_users:\n  alice: "+string(hash)+"\n")
	s := start(t, web.Options{EnableLifecycle: true, Reload: func() error { return nil }}, cfg, nil)

	for _, tc := range []struct {
		name     string
		req      request
		wantCode int
	}{
		{"no credentials", request{path: "/-/healthy"}, 401},
		{"wrong password", request{path: "/-/healthy", user: "alice", password: "guess"}, 401},
		{"unknown user", request{path: "/-/healthy", user: "bob", password: "s3cret"}, 401},
		{"reload without credentials", request{method: "POST", path: "/-/reload"}, 401},
		{"right credentials", request{path: "/-/healthy", user: "alice", password: "s3cret"}, 200},
		{"reload with credentials", request{method: "POST", path: "/-/reload", user: "alice", password: "s3cret"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, tc.req)
			require.Equal(t, tc.wantCode, r.code)
			if tc.wantCode == 401 {
				require.Equal(t, "Basic", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and returns a pool trusting it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "slokeeper test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	writeFile(t, dir, "cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	// Relative paths are resolved against the configuration file's directory.
	cfg := writeFile(t, dir, "web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
	s := start(t, web.Options{}, cfg, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.base+"/-/healthy", nil)
	require.NoError(t, err)
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.NotNil(t, resp.TLS, "the answer came over TLS")
	require.True(t, resp.TLS.HandshakeComplete)
}

// requireClosed fails unless l was closed (Serve owns its listener).
func requireClosed(t *testing.T, l net.Listener) {
	t.Helper()
	// A deadline turns a listener left open into a failure instead of a hang; setting it on a closed
	// listener fails, which Accept then reports.
	_ = l.(*net.TCPListener).SetDeadline(time.Now().Add(time.Second))
	_, err := l.Accept()
	require.ErrorIs(t, err, net.ErrClosed)
}

func TestInvalidWebConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		file    string
		wantErr string
	}{
		{"missing file", filepath.Join(dir, "absent.yml"), "no such file or directory"},
		{"unknown key", writeFile(t, dir, "unknown.yml", "basic_auth_user:\n  alice: x\n"), "field basic_auth_user not found"},
		{"password not hashed", writeFile(t, dir, "plain.yml", "basic_auth_users:\n  alice: s3cret\n"), "hashedSecret too short"},
		{"certificate missing", writeFile(t, dir, "tls.yml", "tls_server_config:\n  cert_file: nope.pem\n  key_file: nope.pem\n"), "nope.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			err = web.New(web.Options{}).Serve(t.Context(), l, tc.file)
			require.ErrorContains(t, err, `--web.config.file="`+tc.file+`"`)
			require.ErrorContains(t, err, tc.wantErr)
			requireClosed(t, l)
		})
	}
}

func TestShutdown(t *testing.T) {
	ignore := goleak.IgnoreCurrent()

	t.Run("context already done", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		require.NoError(t, web.New(web.Options{}).Serve(ctx, l, ""))
		requireClosed(t, l)
	})

	t.Run("in-flight requests finish", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(entered)
			<-release
			w.WriteHeader(http.StatusNoContent)
		})
		s := start(t, web.Options{RemoteWrite: slow}, "", nil)
		type answer struct {
			r   response
			err error
		}
		answered := make(chan answer, 1)
		go func() {
			r, err := s.send(t.Context(), request{method: "POST", path: "/api/v1/write"})
			answered <- answer{r, err}
		}()
		<-entered
		s.cancel()
		// Let Shutdown start: new connections are refused from then on, the in-flight one is kept.
		require.Eventually(t, func() bool {
			c, err := net.Dial("tcp", s.base[len("http://"):])
			if err == nil {
				c.Close()
			}
			return err != nil
		}, 5*time.Second, 10*time.Millisecond)
		select {
		case <-s.done:
			t.Fatal("Serve returned while a request was in flight")
		default:
		}
		close(release)
		a := <-answered
		require.NoError(t, a.err)
		require.Equal(t, http.StatusNoContent, a.r.code)
		require.NoError(t, s.stop(t))
	})

	t.Run("stuck requests do not hold Serve past the timeout", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		defer close(release)
		stuck := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			close(entered)
			<-release
		})
		s := start(t, web.Options{RemoteWrite: stuck, ShutdownTimeout: 100 * time.Millisecond}, "", nil)
		failed := make(chan error, 1)
		go func() {
			_, err := s.send(t.Context(), request{method: "POST", path: "/api/v1/write"})
			failed <- err
		}()
		<-entered
		began := time.Now()
		require.NoError(t, s.stop(t))
		require.Less(t, time.Since(began), 5*time.Second)
		require.Error(t, <-failed, "the stuck request's connection was closed")
	})

	// Every server, connection and handler of the subtests is gone.
	goleak.VerifyNone(t, ignore)
}
