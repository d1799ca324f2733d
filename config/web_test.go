package config

import (
	"errors"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWebValid(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		body string
		want Web
	}{
		{"defaults", "", Web{SessionLifetime: 30 * 24 * time.Hour}},
		{"empty table", "[web]\n", Web{SessionLifetime: DefaultSessionLifetime}},
		{
			"proxy",
			"[web]\ntrusted_proxy_header = \" Remote-User \"\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\", \"fd00::/8\", \"::1\"]\nsession_lifetime = \"12h\"\n",
			Web{
				TrustedProxyHeader: "Remote-User",
				TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
					netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("::1/128")},
				SessionLifetime: 12 * time.Hour,
			},
		},
		{"proxies alone, for X-Forwarded-Proto", "[web]\ntrusted_proxies = [\"127.0.0.1\"]\n",
			Web{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, SessionLifetime: DefaultSessionLifetime}},
		{"empty header", "[web]\ntrusted_proxy_header = \"\"\ntrusted_proxies = []\n", Web{SessionLifetime: DefaultSessionLifetime}},
		{"lifetime in weeks", "[web]\nsession_lifetime = \"2w\"\n", Web{SessionLifetime: 14 * 24 * time.Hour}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeConfig(t, dir, "config.toml", tt.body))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(c.Web, tt.want) {
				t.Errorf("Web = %+v; want %+v", c.Web, tt.want)
			}
		})
	}
}

func TestWebInvalid(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		body string
		want string // "LINE KEY"
		msg  string // part of the message
	}{
		{"header without proxies", "[web]\ntrusted_proxy_header = \"Remote-User\"\n", "2 web.trusted_proxy_header", "needs trusted_proxies"},
		{"header with empty proxies", "[web]\ntrusted_proxy_header = \"Remote-User\"\ntrusted_proxies = []\n", "2 web.trusted_proxy_header", "needs trusted_proxies"},
		{"header with bad proxies", "[web]\ntrusted_proxy_header = \"Remote-User\"\ntrusted_proxies = [\"x\"]\n", "3 web.trusted_proxies", "not a network"},
		{"header not a name", "[web]\ntrusted_proxy_header = \"Remote User\"\ntrusted_proxies = [\"10.0.0.1\"]\n", "2 web.trusted_proxy_header", "not a header name"},
		{"header Cookie", "[web]\ntrusted_proxy_header = \"Cookie\"\ntrusted_proxies = [\"10.0.0.1\"]\n", "2 web.trusted_proxy_header", "not a header name"},
		{"header a number", "[web]\ntrusted_proxy_header = 1\n", "2 web.trusted_proxy_header", "string"},
		{"proxies not a list", "[web]\ntrusted_proxies = \"10.0.0.0/8\"\n", "2 web.trusted_proxies", "array of networks"},
		{"proxy not a network", "[web]\ntrusted_proxies = [\"10.0.0.0/8\", \"proxy.lan\"]\n", "2 web.trusted_proxies", "not a network"},
		{"proxy prefix too long", "[web]\ntrusted_proxies = [\"10.0.0.0/33\"]\n", "2 web.trusted_proxies", "not a network"},
		{"proxy everyone", "[web]\ntrusted_proxies = [\"0.0.0.0/0\"]\n", "2 web.trusted_proxies", "every address"},
		{"proxy everyone v6", "[web]\ntrusted_proxies = [\"::/0\"]\n", "2 web.trusted_proxies", "every address"},
		{"proxy host bits", "[web]\ntrusted_proxies = [\"10.1.2.3/8\"]\n", "2 web.trusted_proxies", "\"10.0.0.0/8\""},
		{"proxy number", "[web]\ntrusted_proxies = [10]\n", "2 web.trusted_proxies", "in quotes"},
		{"lifetime zero", "[web]\nsession_lifetime = \"0s\"\n", "2 web.session_lifetime", "1m to 400d"},
		{"lifetime too long", "[web]\nsession_lifetime = \"500d\"\n", "2 web.session_lifetime", "400 days"},
		{"lifetime not a duration", "[web]\nsession_lifetime = \"a month\"\n", "2 web.session_lifetime", ""},
		{"unknown key", "[web]\nport = 80\n", "2 web.port", "trusted_proxy_header"},
		{"web not a table", "web = 1\n", "1 web", "[web]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, dir, "config.toml", tt.body))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Load = %v; want one problem", err)
			}
			e := errs[0]
			if got := strconv.Itoa(e.Line) + " " + e.Key; got != tt.want || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("problem %q: %s; want %q with %q", got, e.Msg, tt.want, tt.msg)
			}
		})
	}
}
