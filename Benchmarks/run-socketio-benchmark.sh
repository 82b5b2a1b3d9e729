#!/usr/bin/env bash
# Socket.IO server figures, ours beside python-socketio's (PyPI) in the same run, same clients:
# one sender and 29 receivers in one room (deliveries per second and server CPU per delivery
# at saturation; latency p50/p99 at a fixed rate), and resident memory per idle websocket
# connection at 10,000 connections. Node socket.io cannot be installed here (no npm
# registry); its figures from ../shared/MEASURED.md are printed for orientation only.
#
#   Benchmarks/run-socketio-benchmark.sh [--duration S] [--rate SAYS_PER_S] [--idle N]
set -euo pipefail
cd "$(dirname "$0")"
duration=10
rate=1500
idle=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --idle) idle="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

(cd .. && swift build -c release --product chat-node)
swift build -c release --product socketio-bench
chat_node="$(cd .. && swift build -c release --show-bin-path)/chat-node"
bench="$(swift build -c release --show-bin-path)/socketio-bench"

venv=.build/python-servers
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "python-socketio==5.*" "aiohttp==3.*"

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    server_pid=""
}
trap stop_server EXIT

start_server() { # <swift|python> <port>
    case "$1" in
        swift) "$chat_node" --name chat-1 --port "$2" < /dev/null > /dev/null 2>&1 & ;;
        python) "$venv/bin/python" python/chat_server.py --port "$2" < /dev/null > /dev/null 2>&1 & ;;
    esac
    server_pid=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "server $1 did not start" >&2; exit 1
}

declare -A results
for server in swift python; do
    for run in saturate paced idle; do
        port="$(free_port)"
        start_server "$server" "$port"
        case "$run" in
            saturate) line="$("$bench" fanout --port "$port" --server-pid "$server_pid" --duration "$duration")" ;;
            paced) line="$("$bench" fanout --port "$port" --server-pid "$server_pid" --duration "$duration" --rate "$rate")" ;;
            idle) line="$("$bench" idle --port "$port" --server-pid "$server_pid" --connections "$idle")" ;;
        esac
        echo "$server $run: $line"
        results["$server.$run"]="$line"
        stop_server
    done
done

field() { sed -En "s/.*(^| )$2=([0-9.]*).*/\2/p" <<< "${results[$1]}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
s_dps="$(field swift.saturate deliveries_per_s)"; p_dps="$(field python.saturate deliveries_per_s)"
s_cpu="$(field swift.saturate server_cpu_us_per_delivery)"; p_cpu="$(field python.saturate server_cpu_us_per_delivery)"
s_p50="$(field swift.paced p50_us)"; p_p50="$(field python.paced p50_us)"
s_rate="$(field swift.paced deliveries_per_s)"; p_rate="$(field python.paced deliveries_per_s)"
s_p99="$(field swift.paced p99_us)"; p_p99="$(field python.paced p99_us)"
s_mem="$(field swift.idle kib_per_connection)"; p_mem="$(field python.idle kib_per_connection)"
echo
echo "| figure | ours | python-socketio | ours ÷ python | Node socket.io 4.8 (MEASURED.md, not this run) |"
echo "| --- | --- | --- | --- | --- |"
echo "| deliveries/s, 1 sender → 29 receivers | $s_dps | $p_dps | $(ratio "$s_dps" "$p_dps") | about 195,000 |"
echo "| server CPU per delivery (µs) | $s_cpu | $p_cpu | $(ratio "$s_cpu" "$p_cpu") | about 5.3 |"
echo "| latency p50 / p99 (µs), offered $((rate * 29)) deliveries/s; delivered: ours $s_rate, python $p_rate | $s_p50 / $s_p99 | $p_p50 / $p_p99 | $(ratio "$s_p99" "$p_p99") (p99) | p50 1,300, p99 3,900 at 43k (3 servers, Redis) |"
echo "| resident memory per idle connection (KiB), $idle connections | $s_mem | $p_mem | $(ratio "$s_mem" "$p_mem") | about 14.4 (14.7 KB) |"
