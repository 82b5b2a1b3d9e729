#!/usr/bin/env bash
# Builds the Vapor example (its own package under examples/) and runs python-socketio
# clients against it on a free loopback port; run by .ci/run after scripts/python-clients.sh,
# whose virtual environment it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/python-clients
[ -x "$venv/bin/python" ] || { echo "run scripts/python-clients.sh first" >&2; exit 1; }
(cd examples/VaporExample && swift build)
binary="$(cd examples/VaporExample && swift build --show-bin-path)/VaporExample"
port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
log="$(mktemp)"
"$binary" serve --hostname 127.0.0.1 --port "$port" < /dev/null > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
done
status=0
MOUNTED_URL="http://127.0.0.1:$port" timeout 300 "$venv/bin/python" -m unittest -v Tests/python/test_mounted.py || status=$?
[ "$status" -eq 0 ] || tail -40 "$log"
exit "$status"
