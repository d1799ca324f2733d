package config

// starter is the file `tidings init` writes. Prose comments start with "# ";
// settings are commented out as "#key = default" so that removing the "#"
// gives the default, which the tests check key by key.
const starter = `# tidings configuration file.
#
# Every setting is shown commented out with its default value: remove the
# leading "#" to change it. Durations take a number and a unit: s, m, h, and
# also d (days) and w (weeks), e.g. "30s", "1h30m", "90d", "2w". Sizes take
# bytes or a unit: "512KiB", "16MiB", "1GB". A relative path is relative to
# this file's directory, and "~/" is your home directory.
#
# Environment: TIDINGS_CONFIG names another config file; TIDINGS_DATABASE
# overrides "database".

# Where feeds and items are stored: an SQLite file, or a postgres:// URL for
# several "tidings run" processes sharing one database.
# Default: $XDG_DATA_HOME/tidings/tidings.db, else
# ~/.local/share/tidings/tidings.db.
#database = "tidings.db"

# Schedule of feeds that have none of their own: 5 cron fields
# ("*/15 * * * *"), a descriptor (@hourly, @daily, @weekly), or
# "@every DURATION" (at least 1s: "30m", "1h30m", "90d"), optionally
# after "CRON_TZ=Zone ", e.g. "CRON_TZ=Europe/Paris 0 7 * * *". A schedule
# that never fires ("0 0 30 2 *") is an error.
#schedule = "@every 30m"

# Address ("host:port") where "tidings run" serves /healthz and /metrics.
# ":7070" listens on every interface.
#listen = "127.0.0.1:7070"

# Log level: debug, info, warn or error.
#log_level = "info"

# How long "tidings run" lets in-flight fetches finish after SIGINT or
# SIGTERM before it exits.
#shutdown_grace = "30s"

# The tidings user whose subscriptions the [[feed]] blocks below are.
# Empty (the default) means the database's only user, the usual case.
#user = ""

[fetch]
# Fetches in flight at once, in all (1 to 10000).
#concurrency = 32

# Fetches in flight at once to one host (1 to 1000).
#per_host = 2

# Allow feeds on loopback, private and link-local addresses (your own
# network). Off by default so that a feed cannot reach into your network.
#allow_private_networks = false

# Time limit of one fetch, from connecting to the end of the body.
#timeout = "30s"

# Largest response body accepted, after decompression.
#max_body = "16MiB"

# Most items kept from one fetch: the newest; the feed's status says how
# many were dropped.
#max_items = 5000

# Longest delay that a server's hints (Cache-Control max-age, Expires, the
# feed's ttl or sy:updatePeriod) may add before a feed's next fetch.
# Retry-After on 429 and 503 answers is always obeyed in full.
#max_server_delay = "4h"

[retention]
# Read, unstarred items older than this are deleted, by "tidings prune" and
# by the housekeeping of "tidings run". "0" or "never" keeps everything.
# Starred and unread items are never deleted.
#read_after = "90d"

[store]
# Longest a listing, count or search may run before it is stopped with an
# error that says so.
#query_timeout = "5s"

[content]
# Video hosts whose players items may embed, sandboxed (a host allows its
# subdomains; YouTube players are moved to youtube-nocookie.com). Any other
# iframe becomes a link to what it showed. Add PeerTube instances here.
# [] allows none.
#iframe_hosts = ["youtube.com", "youtube-nocookie.com", "vimeo.com", "dailymotion.com"]

[web]
# For people behind an authenticating reverse proxy: the request header in
# which it passes the signed-in user's name (e.g. "Remote-User"). It is
# believed only from trusted_proxies, and needs them. Empty: none.
#trusted_proxy_header = ""

# Networks of the reverse proxies in front of tidings ("10.0.0.0/8", or
# one address "192.0.2.7"): their X-Forwarded-For, X-Forwarded-Proto (for
# Secure cookies) and trusted_proxy_header are believed; from anywhere
# else they are ignored.
#trusted_proxies = []

# How long a web login lasts after its last use.
#session_lifetime = "30d"

# Feeds declared here are added to tidings on every start (and on SIGHUP for
# "tidings run"), updated when their block changes, and removed when their
# block goes. Feeds added with "tidings add" or an OPML import are kept apart
# and never touched by this. One block per feed:
#
#   url      (required) the feed's http:// or https:// URL
#   title    (optional) replaces the feed's own title
#   tags     (optional) simple words: letters, digits, - _ . /
#   schedule (optional) this feed's own schedule, as "schedule" above
#   full_content (optional) true fetches the web page of each new item and
#            keeps its whole article, for feeds that carry only summaries
#
#[[feed]]
#url      = "https://go.dev/blog/feed.atom"
#title    = "The Go Blog"
#tags     = ["go", "programming"]
#schedule = "0 */2 * * *"
#full_content = false
`

// Starter returns the commented starter config file that `tidings init`
// writes: every key, commented out with its default and documented. It
// loads without error and, as written, yields Default().
func Starter() string { return starter }
