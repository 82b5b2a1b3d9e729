#!/usr/bin/env bash
# python-socketio (from PyPI) against our servers: socketio-conformance and chat-node, over
# websocket, over polling that upgrades, and over polling alone; then python-socketio 4
# (Engine.IO v3, what socket.io-client 2.x speaks) against socketio-conformance, which runs
# with --allow-eio3. Installs what it needs into .build/python-clients and
# .build/python-eio3-clients; starts both servers on free loopback ports with standard input
# closed, stops them (by their ids) when done.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/python-clients
if ! [ -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "python-socketio[client]==5.*" "websocket-client==1.*" "requests==2.*"
eio3_venv=.build/python-eio3-clients
if ! [ -x "$eio3_venv/bin/python" ]; then
    python3 -m venv "$eio3_venv"
fi
"$eio3_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "python-socketio[client]==4.6.1" "python-engineio==3.14.2" "websocket-client==1.*" "requests==2.*"

swift build --product socketio-conformance
swift build --product chat-node
bin="$(swift build --show-bin-path)"

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
conformance_port="$(free_port)"
chat_port="$(free_port)"

logs="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$logs"
}
trap cleanup EXIT

"$bin/socketio-conformance" --port "$conformance_port" --allow-eio3 < /dev/null > "$logs/conformance.log" 2>&1 &
pids+=($!)
"$bin/chat-node" --name chat-1 --port "$chat_port" < /dev/null > "$logs/chat.log" 2>&1 &
pids+=($!)
for port in "$conformance_port" "$chat_port"; do
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.1
    done
done

status=0
CONFORMANCE_URL="http://127.0.0.1:$conformance_port" CHAT_URL="http://127.0.0.1:$chat_port" \
    timeout 600 "$venv/bin/python" -m unittest -v Tests/python/test_clients.py || status=$?
CONFORMANCE_URL="http://127.0.0.1:$conformance_port" \
    timeout 600 "$eio3_venv/bin/python" -m unittest -v Tests/python/test_eio3_clients.py || status=$?
if [ "$status" -ne 0 ]; then
    echo "== socketio-conformance log"; tail -40 "$logs/conformance.log"
    echo "== chat-node log"; tail -40 "$logs/chat.log"
fi
exit "$status"
