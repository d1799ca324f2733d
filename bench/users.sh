#!/usr/bin/env bash
# Whole-program benchmark of shared feeds (issue 10, Performance): a cold
# `tidings fetch --all` of FEEDS feeds x ITEMS items followed by one user,
# next to the same feeds followed by USERS users (each imports the same
# OPML), against cmd/feedserver on loopback. Runs alternate (one user, many
# users, one user, ...) REPEAT times so that the machine's drift hits both
# alike. For each run: requests the server saw, wall and CPU seconds and
# peak RSS (/usr/bin/time), and items stored.
#
# Needs go, curl, jq, sqlite3, /usr/bin/time. Settings from the environment:
#   FEEDS=1000 ITEMS=20 HOSTS=100 USERS=100 CONCURRENCY=32 PER_HOST=2
#   PORT=47180 REPEAT=3 LATENCY=0ms
# Prints a Markdown table on stdout; logs and databases stay in $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."

FEEDS=${FEEDS:-1000}
ITEMS=${ITEMS:-20}
HOSTS=${HOSTS:-100}
USERS=${USERS:-100}
CONCURRENCY=${CONCURRENCY:-32}
PER_HOST=${PER_HOST:-2}
PORT=${PORT:-47180}
REPEAT=${REPEAT:-3}
LATENCY=${LATENCY:-0ms}
WORK=${WORK:-$(mktemp -d /tmp/tidings-users.XXXXXX)}
mkdir -p "$WORK"
CTL="http://127.0.0.1:$PORT"

for tool in curl jq sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done
echo "building into $WORK" >&2
go build -o "$WORK/tidings" ./cmd/tidings
go build -o "$WORK/feedserver" ./cmd/feedserver

if curl -fsS "$CTL/stats" >/dev/null 2>&1; then
  echo "bench: something already answers on $CTL; choose another PORT" >&2
  exit 1
fi
"$WORK/feedserver" -feeds "$FEEDS" -items "$ITEMS" -hosts "$HOSTS" -latency "$LATENCY" \
  -port "$PORT" -format mixed-xml -opml "$WORK/feeds.opml" >"$WORK/feedserver.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -fsS "$CTL/stats" >/dev/null 2>&1 && break
  sleep 0.1
done

ROWS=()
# run USERS_N REP: a fresh database with USERS_N users each subscribed to
# every feed, then one measured cold fetch --all.
run() {
  local n=$1 rep=$2 dir="$WORK/users-$1-$2"
  rm -rf "$dir"
  mkdir -p "$dir"
  cat >"$dir/config.toml" <<EOC
database = "$dir/tidings.db"
[fetch]
concurrency = $CONCURRENCY
per_host = $PER_HOST
allow_private_networks = true
EOC
  local T=("$WORK/tidings" --config "$dir/config.toml")
  if [ "$n" -eq 1 ]; then
    "${T[@]}" import "$WORK/feeds.opml" >"$dir/setup.log" 2>&1
  else
    for u in $(seq "$n"); do
      echo "password-of-u$u" | "${T[@]}" user add "u$u" --password-stdin >>"$dir/setup.log" 2>&1
      "${T[@]}" --user "u$u" import "$WORK/feeds.opml" >>"$dir/setup.log" 2>&1
    done
  fi
  curl -fsS -X POST "$CTL/reset" >/dev/null
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "${T[@]}" fetch --all >"$dir/fetch.log" 2>&1
  local wall user sys rss requests items subs
  read -r wall user sys rss <"$dir/time.txt"
  requests=$(curl -fsS "$CTL/stats" | jq .requests)
  items=$(sqlite3 "$dir/tidings.db" 'select count(*) from items')
  subs=$(sqlite3 "$dir/tidings.db" 'select count(*) from subscriptions')
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  ROWS+=("| $n | $rep | $subs | $requests | $wall | $cpu | $((rss / 1024)) | $items | $load |")
  printf 'users %3s  rep %s  subscriptions %6s  requests %5s  wall %6ss  cpu %6ss  rss %4s MB  items %s  load %s\n' \
    "$n" "$rep" "$subs" "$requests" "$wall" "$cpu" "$((rss / 1024))" "$items" "$load" >&2
}

for rep in $(seq "$REPEAT"); do
  run 1 "$rep"
  run "$USERS" "$rep"
done

echo
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3); $FEEDS feeds x $ITEMS items on $HOSTS hosts, latency $LATENCY; fetch.concurrency $CONCURRENCY, fetch.per_host $PER_HOST"
echo
echo "| users | run | subscriptions | requests | wall s | CPU s | peak RSS MB | items stored | load avg |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
