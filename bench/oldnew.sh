#!/usr/bin/env bash
# Cold `tidings fetch --all` of FEEDS feeds x ITEMS items from cmd/feedserver:
# an older tidings (OLD, a commit; default cc8256c, the last single-user one)
# and this checkout, alternating, REPEAT runs each, a fresh database each run.
# Prints one line per run: wall and CPU seconds, peak RSS, the requests the
# server saw, the items stored, and the load average before the run.
# Needs go, git, curl, jq, sqlite3, /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${OLD:-cc8256c}
REPEAT=${REPEAT:-3}
FEEDS=${FEEDS:-1000}
ITEMS=${ITEMS:-20}
PORT=${PORT:-47180}
W=$(mktemp -d /tmp/tidings-oldnew.XXXXXX)
git worktree add -q --detach "$W/src" "$OLD"
trap 'git worktree remove --force "$W/src"' EXIT
(cd "$W/src" && go build -o "$W/tidings-old" ./cmd/tidings)
go build -o "$W/tidings-new" ./cmd/tidings
go build -o "$W/feedserver" ./cmd/feedserver
"$W/feedserver" -feeds "$FEEDS" -items "$ITEMS" -hosts 100 -latency 0ms -port "$PORT" -format mixed-xml \
  -urls "$W/urls.txt" -opml "$W/feeds.opml" >"$W/feedserver.log" 2>&1 &
fs=$!
trap 'kill $fs; git worktree remove --force "$W/src"' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/stats" >/dev/null 2>&1 && break; sleep 0.1; done
for rep in $(seq "$REPEAT"); do
  for v in old new; do
    d="$W/$v-$rep"
    mkdir -p "$d"
    printf 'database = "%s/tidings.db"\nschedule = "@every 30m"\n[fetch]\nconcurrency = 32\nper_host = 2\nallow_private_networks = true\n' "$d" >"$d/config.toml"
    "$W/tidings-$v" --config "$d/config.toml" import "$W/feeds.opml" >"$d/import.log" 2>&1
    curl -fsS -X POST "http://127.0.0.1:$PORT/reset" >/dev/null
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S %M' -o "$d/time.txt" "$W/tidings-$v" --config "$d/config.toml" fetch --all >"$d/fetch.log" 2>&1 || true
    read -r wall user sys rss <"$d/time.txt"
    req=$(curl -fsS "http://127.0.0.1:$PORT/stats" | jq .requests)
    items=$(sqlite3 "$d/tidings.db" 'select count(*) from items')
    echo "$v rep=$rep wall=$wall cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}') rss=$((rss / 1024))MB requests=$req items=$items load=$load"
  done
done
