#!/usr/bin/env bash
# Benchmark: throughput of the welcome page through the release host, with
# wrk on loopback. Everything is measured in ONE run of this script, and the
# figures that matter are ratios against the baseline measured in the same
# run (the machines are shared and noisy; absolute numbers vary).
#
#   bench/run.sh              # 10 s per scenario
#   DURATION=30s bench/run.sh
#
# Scenarios (all on one server, one tenant each):
#   get-page        GET /                                  (baseline for GET)
#   post-0          POST /, no policy: invite created      (baseline for POST)
#   post-1          POST /, 1 policy  (rate-limit)
#   post-3          POST /, 3 policies (rate-limit, network, daily-quota)
# The policies are configured so they all allow: each request runs the whole
# chain and then creates (and fsyncs) an invite, as a real submission does.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
cargo build --release -q -p welcome-host
bin="${CARGO_TARGET_DIR:-target}/release/welcome"

work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/bench.toml" <<'TOML'
[server]
data_dir = "data"
[defaults]
registration_invite_only = false
[hosts.get-page]
[hosts.post-0]
[hosts.post-1]
policies = [
  { component = "rate-limit", options = { max_per_address = 1000000000, window_seconds = 60 } },
]
[hosts.post-3]
policies = [
  { component = "rate-limit", options = { max_per_address = 1000000000, window_seconds = 60 } },
  { component = "network", options = { deny = "203.0.113.0/24" } },
  { component = "daily-quota", options = { max_per_day = 1000000000 } },
]
TOML
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "action=register"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA

WELCOME_LOG=warn "$bin" serve --config "$work/bench.toml" --listen 127.0.0.1:0 > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^welcome: listening on //p' "$work/out")
[ -n "$url" ] || { cat "$work/err"; exit 1; }

run() { # name, extra wrk args...
  local name=$1; shift
  # Warm up (compiles nothing: components are compiled at start; this fills caches and the pool).
  wrk -t1 -c2 -d1s -H "Host: $name" "$@" "$url/" > /dev/null
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Host: $name" "$@" "$url/")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-10s %10s req/s   p50 %-9s p99 %-9s non-2xx/3xx: %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
  echo "$rps" > "$work/$name.rps"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores; release build"
run get-page
run post-0 -s "$work/post.lua"
run post-1 -s "$work/post.lua"
run post-3 -s "$work/post.lua"
ratio() { awk -v a="$(cat "$work/$1.rps")" -v b="$(cat "$work/$2.rps")" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "throughput ratios (same run):"
echo "  1-policy chain / no policy : $(ratio post-1 post-0)"
echo "  3-policy chain / no policy : $(ratio post-3 post-0)"
echo "  POST (no policy) / GET page: $(ratio post-0 get-page)"
echo "invites created: $("$bin" invites --config "$work/bench.toml" | wc -l)"
