#!/usr/bin/env bash
# Whole-program benchmark of `tidings fetch --all` next to newsboat, both
# against cmd/feedserver on this machine (issue 3, Performance).
#
# For each latency it starts the feed server (FEEDS feeds of ITEMS items over
# HOSTS loopback addresses, 127.0.0.2 and up), imports its OPML into an empty
# tidings database, then measures, one client at a time:
#   cold       empty store / fresh newsboat cache
#   unchanged  every feed answers 304 (newsboat 2.21 stores validators only
#              on its second fetch of a feed, so it gets an unmeasured
#              priming run first, reported as "newsboat 2nd run")
#   +2 items   after the server publishes 2 new items in every feed
#   same body  the server stops sending validators (no ETag, no
#              Last-Modified, never 304), as some servers do: every feed
#              answers 200 with the body the last run got
# with wall time, CPU seconds (user+sys), peak RSS (/usr/bin/time), the
# requests and 304s the server saw, the most requests it had in flight on
# one host, the items stored (sqlite3 count), and the 1-minute load average
# before the run (anything else running skews every figure).
#
# Needs go, curl, jq, sqlite3, /usr/bin/time; newsboat if NEWSBOAT=1 (the
# default when it is installed). Settings come from the environment:
#   FEEDS=1000 ITEMS=20 HOSTS=100 CONCURRENCY=32 PER_HOST=2
#   LATENCIES="0ms 50ms" FORMAT=mixed-xml PORT=47080 REPEAT=1
#   PROFILE=1   also write a CPU profile of each tidings run next to its log
#               ($WORK/tidings-LATENCY-PHASE.prof, e.g. tidings-50ms-cold.prof;
#               with REPEAT > 1 the last repetition's; `go tool pprof -top` it)
# Prints a Markdown table on stdout; logs and databases stay in $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."

FEEDS=${FEEDS:-1000}
ITEMS=${ITEMS:-20}
HOSTS=${HOSTS:-100}
CONCURRENCY=${CONCURRENCY:-32}
PER_HOST=${PER_HOST:-2}
LATENCIES=${LATENCIES:-"0ms 50ms"}
FORMAT=${FORMAT:-mixed-xml}
PORT=${PORT:-47080}
REPEAT=${REPEAT:-1}
if [ -z "${NEWSBOAT:-}" ]; then
  if command -v newsboat >/dev/null; then NEWSBOAT=1; else NEWSBOAT=0; fi
fi
WORK=${WORK:-$(mktemp -d /tmp/tidings-bench.XXXXXX)}
mkdir -p "$WORK"
CTL="http://127.0.0.1:$PORT"

for tool in curl jq sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done

echo "building into $WORK" >&2
go build -o "$WORK/tidings" ./cmd/tidings
go build -o "$WORK/feedserver" ./cmd/feedserver
go test -c -o "$WORK/fetchtest.test" ./fetch/fetchtest

# floor_now prints gofeed's CPU ns per item alone on the served bodies
# (BenchmarkGofeedParse, the floor of the CPU target). The machine's speed
# drifts from minute to minute, so it is measured right before and right
# after each cold run, and that run is compared with their mean.
floor_now() {
  "$WORK/fetchtest.test" -test.run '^$' -test.bench "GofeedParse/$FORMAT\$" -test.benchtime 5x 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "cpu-ns/item") print $i }'
}

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

# start_server LATENCY DIR: runs the feed server in the background and waits
# until its control API answers.
start_server() {
  if curl -fsS "$CTL/stats" >/dev/null 2>&1; then
    echo "bench: something already answers on $CTL; choose another PORT" >&2
    exit 1
  fi
  "$WORK/feedserver" -feeds "$FEEDS" -items "$ITEMS" -hosts "$HOSTS" -latency "$1" \
    -port "$PORT" -format "$FORMAT" -urls "$2/urls.txt" -opml "$2/feeds.opml" \
    >"$2/feedserver.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    curl -fsS "$CTL/stats" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: feed server did not start; see $2/feedserver.log" >&2
  exit 1
}

ROWS=()
declare -A COLD_CPU COLD_ITEMS COLD_FLOOR
# measure CLIENT LATENCY PHASE ITEMS_CMD -- CMD...: resets the server's
# counters, runs CMD under /usr/bin/time, and records one table row.
measure() {
  local client=$1 latency=$2 phase=$3 items_cmd=$4
  shift 5
  local log="$WORK/$client-$latency-${phase// /_}.log"
  curl -fsS -X POST "$CTL/reset" >/dev/null
  # Other work on the machine skews every figure: record the load.
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  local status=0
  local prof=""
  if [ "${PROFILE:-0}" = 1 ] && [ "$client" = tidings ]; then
    prof="${log%.log}.prof"
  fi
  TIDINGS_CPUPROFILE=$prof /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" "$@" >"$log" 2>&1 || status=$?
  local wall user sys rss
  read -r wall user sys rss < <(tail -n 1 "$WORK/time.txt")
  local stats requests notmod perhost items cpu
  stats=$(curl -fsS "$CTL/stats")
  requests=$(jq .requests <<<"$stats")
  notmod=$(jq .not_modified <<<"$stats")
  perhost=$(jq .max_concurrent_per_host <<<"$stats")
  items=$(eval "$items_cmd" 2>/dev/null || echo "?")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  local note=""
  [ "$status" -ne 0 ] && note=" (exit $status, see $log)"
  LAST_CPU=$cpu LAST_ITEMS=$items
  ROWS+=("| $client | $latency | $phase | $wall | $cpu | $((rss / 1024)) | $requests | $notmod | $perhost | $items$note | $load |")
  printf '%-8s %-5s %-10s wall %6ss  cpu %6ss  rss %4s MB  requests %5s  304s %5s  items %s%s  load %s\n' \
    "$client" "$latency" "$phase" "$wall" "$cpu" "$((rss / 1024))" "$requests" "$notmod" "$items" "$note" "$load" >&2
}

for latency in $LATENCIES; do
  for rep in $(seq "$REPEAT"); do
    dir="$WORK/$latency-$rep"
    rm -rf "$dir"
    mkdir -p "$dir/newsboat"
    start_server "$latency" "$dir"

    cat >"$dir/config.toml" <<EOF
database = "$dir/tidings.db"
schedule = "@every 30m"

[fetch]
concurrency = $CONCURRENCY
per_host = $PER_HOST
allow_private_networks = true
EOF
    T=("$WORK/tidings" --config "$dir/config.toml")
    "${T[@]}" import "$dir/feeds.opml" >"$dir/import.log" 2>&1 ||
      { echo "bench: tidings import failed:" >&2; cat "$dir/import.log" >&2; exit 1; }
    tidings_items="sqlite3 '$dir/tidings.db' 'select count(*) from items'"

    printf 'reload-threads %s\n' "$CONCURRENCY" >"$dir/newsboat/config"
    NB=(newsboat -x reload -u "$dir/urls.txt" -c "$dir/newsboat/cache.db" -C "$dir/newsboat/config")
    newsboat_items="sqlite3 '$dir/newsboat/cache.db' 'select count(*) from rss_item'"

    floor_before=$(floor_now)
    measure tidings "$latency" "cold" "$tidings_items" -- "${T[@]}" fetch --all
    floor_after=$(floor_now)
    COLD_CPU[$latency-$rep]=$LAST_CPU COLD_ITEMS[$latency-$rep]=$LAST_ITEMS
    COLD_FLOOR[$latency-$rep]="$floor_before $floor_after"
    if [ "$NEWSBOAT" = 1 ]; then
      measure newsboat "$latency" "cold" "$newsboat_items" -- "${NB[@]}"
    fi
    measure tidings "$latency" "unchanged" "$tidings_items" -- "${T[@]}" fetch --all
    if [ "$NEWSBOAT" = 1 ]; then
      measure newsboat "$latency" "2nd run" "$newsboat_items" -- "${NB[@]}"
      measure newsboat "$latency" "unchanged" "$newsboat_items" -- "${NB[@]}"
    fi
    curl -fsS -X POST "$CTL/add?n=2" >/dev/null
    measure tidings "$latency" "+2 items" "$tidings_items" -- "${T[@]}" fetch --all
    if [ "$NEWSBOAT" = 1 ]; then
      measure newsboat "$latency" "+2 items" "$newsboat_items" -- "${NB[@]}"
    fi
    curl -fsS -X POST "$CTL/validators?on=false" >/dev/null
    measure tidings "$latency" "same body" "$tidings_items" -- "${T[@]}" fetch --all
    if [ "$NEWSBOAT" = 1 ]; then
      measure newsboat "$latency" "same body" "$newsboat_items" -- "${NB[@]}"
    fi
    stop_server
  done
done

echo
echo "$(nproc) CPUs, $(go version | cut -d' ' -f3), newsboat $( [ "$NEWSBOAT" = 1 ] && newsboat --version | head -n 1 | cut -d' ' -f2 || echo '-'); $FEEDS feeds x $ITEMS items ($FORMAT) on $HOSTS hosts; fetch.concurrency $CONCURRENCY, fetch.per_host $PER_HOST"
echo
echo "| client | latency | run | wall s | CPU s | peak RSS MB | requests | 304s | max per host | items stored | load avg |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
for latency in $LATENCIES; do
  ms=${latency%ms}
  if [[ "$ms" =~ ^[0-9]+$ ]]; then
    awk -v f="$FEEDS" -v l="$ms" -v c="$CONCURRENCY" 'BEGIN { printf "latency bound at %s ms: %d feeds x %s ms / %d = %.2f s\n", l, f, l, c, f * l / 1000 / c }'
  fi
done
# The floor: gofeed alone parsing the same bodies (a Go benchmark), right
# before and after each cold run.
echo
for key in $(printf '%s\n' "${!COLD_CPU[@]}" | sort); do
  read -r fb fa <<<"${COLD_FLOOR[$key]}"
  [ -n "$fb" ] && [ -n "$fa" ] || continue
  awk -v c="${COLD_CPU[$key]}" -v n="${COLD_ITEMS[$key]}" -v fb="$fb" -v fa="$fa" -v k="$key" -v fmt="$FORMAT" \
    'BEGIN { f = (fb + fa) / 2; printf "cold %s: gofeed alone (BenchmarkGofeedParse/%s) %.1f us CPU/item before the run, %.1f after; ", k, fmt, fb / 1000, fa / 1000
             if (n > 0) printf "tidings %.1f us CPU per stored item = %.2fx their mean\n", c * 1e6 / n, c * 1e9 / n / f }'
done
if [ "$NEWSBOAT" = 1 ]; then
  echo
  echo "wall-time ratio tidings/newsboat:"
  printf '%s\n' "${ROWS[@]}" | awk -F'|' '
    { gsub(/ /, "", $2); gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $4); key = $3 " " $4; wall[$2, key] = $5 + 0; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    END { for (i = 1; i <= n; i++) { k = order[i]; if (wall["newsboat", k] > 0 && wall["tidings", k] > 0) printf "  %-20s %.3f\n", k, wall["tidings", k] / wall["newsboat", k] } }'
fi
echo
echo "logs, databases and server output: $WORK"
