#!/usr/bin/env bash
# Load benchmark of `nasguard serve` (release build) on loopback:
#   GET /api/v1/audit (bearer token) and the Sharing page (session cookie)
#   at a fixed 1000 requests/s with oha, then flat out with wrk;
#   idle RSS before and after.
# The store holds 50 SMB shares and 50 NFS exports, so the audit and the
# page do real work. Last, a login flood (login_flood.py): 300 wrong
# passwords at once over 20 names and 10 loopback addresses while a token
# client polls GET /api/v1/audit: how many guesses got checked (at most 5 per
# name and 20 per address), and the poller's p99.
# Usage: bash crates/server/benches/load.sh [SECONDS | flood]
# Needs oha (cargo install oha --version 1.16.0 --locked) and wrk (apt),
# except for `flood`, which needs only python3.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mode=${1:-10}
secs=$mode; [ "$mode" = flood ] && secs=0
port=18999
oha=${OHA:-$(command -v oha || echo /tmp/oha-install/bin/oha)}
cargo build --release -q -p nasguard
bin=target/release/nasguard
work=$(mktemp -d)
state=$work/state
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export NASGUARD_STATE_DIR=$state
$bin init --sandbox --port-base 21000 >/dev/null
for i in $(seq 1 50); do
  mkdir -p "$work/share$i"
  $bin share smb add "share$i" --path "$work/share$i" >/dev/null
  $bin share nfs add --path "$work/share$i" --network "192.168.$i.0/24" >/dev/null
done
printf 'load test password\n' | $bin admin create bench >/dev/null
token=$($bin token create --admin bench 2>/dev/null)
start=$(date +%s%N)
$bin serve --listen 127.0.0.1:$port >/dev/null &
server=$!
until curl -sf http://127.0.0.1:$port/api/v1/health >/dev/null; do sleep 0.002; done
up_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cookie=$(curl -s -o /dev/null -D - -d 'username=bench&password=load test password' \
  http://127.0.0.1:$port/login | sed -n 's/^set-cookie: \(nasguard_session=[^;]*\).*/\1/ip')
rss() { awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$server/status; }
echo "nasguard $(git rev-parse --short HEAD), $(nproc) cores; store: 50 SMB shares, 50 NFS exports"
echo "start to first answered request: ${up_ms} ms (curl polling every 2 ms included)"
echo "idle RSS after start: $(rss)"
flood() {
  python3 crates/server/benches/login_flood.py "$port" "$token" "$state" "$bin"
  echo "RSS after the flood: $(rss)"
}
if [ "$mode" = flood ]; then flood; exit; fi
run_oha() { # NAME URL HEADER
  "$oha" -z "${secs}s" -q 1000 -c 8 --latency-correction --no-tui --output-format json -H "$3" "$2" > "$work/oha.json"
  python3 - "$1" "$work/oha.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
s, p = d["summary"], d["latencyPercentiles"]
codes = d.get("statusCodeDistribution", {})
print(f"{name}: {s['requestsPerSec']:.0f} req/s at -q 1000, p50 {p['p50']*1000:.2f} ms, "
      f"p99 {p['p99']*1000:.2f} ms, p99.9 {p['p99.9']*1000:.2f} ms, max {s['slowest']*1000:.2f} ms, statuses {codes}")
PY
}
run_oha "GET /api/v1/audit" "http://127.0.0.1:$port/api/v1/audit" "Authorization: Bearer $token"
run_oha "GET /sharing (page)" "http://127.0.0.1:$port/sharing" "Cookie: $cookie"
for path in /api/v1/audit /sharing; do
  hdr="Authorization: Bearer $token"; [ "$path" = /sharing ] && hdr="Cookie: $cookie"
  wrk -t2 -c16 -d"${secs}s" --latency -H "$hdr" "http://127.0.0.1:$port$path" |
    awk -v p="$path" '/Requests\/sec/ {r=$2} /99%/ {q=$2} END {print "wrk flat out, GET " p ": " r " req/s, p99 " q}'
done
sleep 2
echo "idle RSS after the load: $(rss)"
flood
