package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	commoncfg "github.com/prometheus/common/config"

	v1 "github.com/slokeeper/slokeeper/pkg/api/v1"
)

// maskedQueryValue replaces, in messages, every query value that came with --url (the values the commands add,
// such as change_class, are shown): the daemon's API needs none there, so one in --url is most likely a token for a
// proxy in front of the daemon, and a token cannot be told from other values.
const maskedQueryValue = "xxxxx"

// daemonFlags are the flags of every client of the daemon's HTTP API (`gate`, `freeze`): where the daemon is and
// how to reach it.
type daemonFlags struct {
	url            string
	httpConfigFile string
}

// register adds --url and --http.config.file to cmd.
func (f *daemonFlags) register(cmd *kingpin.CmdClause) {
	cmd.Flag("url", "Base URL of the slokeeper daemon. Credentials in it (https://user:password@…) are sent as basic auth and never printed.").
		Default("http://localhost:9099").StringVar(&f.url)
	cmd.Flag("http.config.file", "HTTP client configuration file for the daemon's API, as promtool's --http.config.file: tls_config (CA, client certificate), basic_auth, authorization, oauth2, proxy_url …").
		PlaceHolder("<filename>").StringVar(&f.httpConfigFile)
}

// daemonClient calls one endpoint of the daemon's API for one command. Every URL and every error it hands out for
// printing is redacted: no password, no query value from --url.
type daemonClient struct {
	command string
	client  *http.Client
	// target is the endpoint, without user info: credentials go through the client's configuration.
	target *url.URL
	// user is --url's user info, shown (password masked) with URLs of the daemon's host.
	user *url.Userinfo
	// urlQuery holds the query keys of --url, whose values messages mask.
	urlQuery url.Values
}

// connect builds the client of the endpoint at path below --url. A problem is printed for command and returns
// exit code 2.
func (f *daemonFlags) connect(command string, stderr io.Writer, path string) (*daemonClient, int) {
	u, err := url.Parse(strings.TrimSuffix(f.url, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := "an unparsable URL"
		if err == nil {
			shown = fmt.Sprintf("%q", redactURL(u, u.User, u.Query()))
		}
		fmt.Fprintf(stderr, "slokeeper %s: --url must be an http(s) URL such as http://slokeeper:9099, got %s\n", command, shown)
		return nil, 2
	}
	cfg, err := f.httpConfig(u.User)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper %s: %v\n", command, err)
		return nil, 2
	}
	client, err := commoncfg.NewClientFromConfig(*cfg, "slokeeper_"+command)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper %s: couldn't use --http.config.file=%q: %v\n", command, f.httpConfigFile, err)
		return nil, 2
	}
	// path is escaped (the conventions' path builders escape what they put in it).
	p, err := url.Parse(path)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper %s: bad API path %q: %v\n", command, path, err)
		return nil, 2
	}
	target := u.JoinPath()
	target.Path = strings.TrimSuffix(u.Path, "/") + p.Path
	target.RawPath = strings.TrimSuffix(u.EscapedPath(), "/") + p.EscapedPath()
	target.User, target.Fragment, target.RawFragment = nil, "", ""
	return &daemonClient{command: command, client: client, target: target, user: u.User, urlQuery: u.Query()}, 0
}

// httpConfig is the client configuration: --http.config.file's, or promtool's default without one (plus the
// environment's proxy settings, as before the flag existed), with the basic auth of --url's user info.
func (f *daemonFlags) httpConfig(user *url.Userinfo) (*commoncfg.HTTPClientConfig, error) {
	cfg := commoncfg.DefaultHTTPClientConfig
	cfg.ProxyFromEnvironment = true
	if f.httpConfigFile != "" {
		c, _, err := commoncfg.LoadHTTPConfigFile(f.httpConfigFile)
		if err != nil {
			return nil, fmt.Errorf("couldn't load --http.config.file=%q: %w", f.httpConfigFile, err)
		}
		cfg = *c
	}
	if user == nil {
		return &cfg, nil
	}
	if cfg.BasicAuth != nil || cfg.Authorization != nil || cfg.OAuth2 != nil || cfg.BearerToken != "" || cfg.BearerTokenFile != "" {
		return nil, fmt.Errorf("--url carries credentials and --http.config.file=%q configures authentication too: keep one", f.httpConfigFile)
	}
	password, _ := user.Password()
	cfg.BasicAuth = &commoncfg.BasicAuth{Username: user.Username(), Password: commoncfg.Secret(password)}
	return &cfg, nil
}

// request builds a request to the endpoint with query added to --url's own.
func (c *daemonClient) request(ctx context.Context, method string, query url.Values, body io.Reader) (*http.Request, error) {
	u := *c.target
	q := u.Query()
	for k, vs := range query {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	return req, c.redactError(err)
}

// do sends req; its error names the URL redacted.
func (c *daemonClient) do(req *http.Request) (*http.Response, error) {
	resp, err := c.client.Do(req)
	return resp, c.redactError(err)
}

// decode reads the daemon's JSON answer into v. When the body is not JSON, it prints so, calling the expected
// body what (e.g. "the gate's"), and returns false.
func (c *daemonClient) decode(resp *http.Response, v any, what string, stderr io.Writer) bool {
	err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
	if err == nil {
		return true
	}
	hint := ""
	if resp.StatusCode == http.StatusUnauthorized {
		hint = " (it wants other credentials: give them in --http.config.file or as user:password@ in --url)"
	}
	fmt.Fprintf(stderr, "slokeeper %s: %s answered %s with a body that is not %s%s: %v\n", c.command, c.show(resp.Request.URL), resp.Status, what, hint, err)
	return false
}

// show is u for messages: with --url's user name (password masked) when u is on the daemon's host, and every
// query value that came with --url masked.
func (c *daemonClient) show(u *url.URL) string {
	user := u.User
	if user == nil && u.Host == c.target.Host {
		user = c.user
	}
	return redactURL(u, user, c.urlQuery)
}

// redactError redacts the URL that a *url.Error of net/http (or of URL parsing) carries in its message.
func (c *daemonClient) redactError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = c.show(u)
		} else {
			ue.URL = c.show(c.target)
		}
	}
	return err
}

// redactURL renders u with user as its user info, the password replaced by "xxxxx" (url.URL.Redacted), and the
// values of the query keys in masked replaced too.
func redactURL(u *url.URL, user *url.Userinfo, masked url.Values) string {
	r := *u
	r.User = user
	if len(masked) > 0 && r.RawQuery != "" {
		q := r.Query()
		for k, vs := range q {
			if _, ok := masked[k]; ok {
				for i := range vs {
					vs[i] = maskedQueryValue
				}
			}
		}
		r.RawQuery = q.Encode()
	}
	return r.Redacted()
}

// call sends method to the endpoint with body as JSON (nil: none) and decodes the data of the API's answer into
// data. It prints what went wrong for the command and returns the exit code: 0 for an answer of 200, 1 when the
// daemon refused (its message printed), 2 when it could not be asked or answered nonsense.
func (c *daemonClient) call(ctx context.Context, method string, body, data any, stderr io.Writer) int {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			fmt.Fprintf(stderr, "slokeeper %s: %v\n", c.command, err)
			return 2
		}
		r = bytes.NewReader(b)
	}
	req, err := c.request(ctx, method, nil, r)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper %s: %v\n", c.command, err)
		return 2
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.do(req)
	if err != nil {
		fmt.Fprintf(stderr, "slokeeper %s: couldn't reach the daemon: %v\n", c.command, err)
		return 2
	}
	defer resp.Body.Close()
	ans := v1.Response[any]{Data: data}
	if !c.decode(resp, &ans, "the daemon's", stderr) {
		return 2
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "slokeeper %s: %s\n", c.command, ans.Error)
		return 1
	}
	return 0
}
