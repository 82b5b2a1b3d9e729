#!/usr/bin/env bash
# Runs the official Engine.IO v4 and Socket.IO v5 protocol test suites against
# `socketio-conformance`. Their code is socket.io's, not ours: give this script a checkout (or
# bare git directory) of github.com/socketio/socket.io; it copies the two suites to a temporary
# folder, runs them there under Debian's mocha, chai, ws and node-fetch, and commits nothing.
#
#   scripts/protocol-suites.sh /path/to/socket.io [engine|socket|both]
#
# Shims of our own, beside the copies (no file of theirs is edited): node_modules links to
# Debian's packages, a chai-string with the one assertion the suites use (startsWith), and
# `--dns-result-order=ipv4first` so their hard-coded http://localhost:3000 reaches 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source="${1:?usage: $0 /path/to/socket.io [engine|socket|both]}"
which="${2:-both}"

if ! [ -d /usr/share/nodejs/mocha ] || ! [ -d /usr/share/nodejs/chai ] || ! [ -d /usr/share/nodejs/ws ] \
    || ! [ -d /usr/share/nodejs/node-fetch ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs mocha chai node-ws node-fetch
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

copy_suite() { # <path in socket.io> <destination>
    mkdir -p "$2"
    if [ -d "$source/$1" ]; then
        cp "$source/$1/test-suite.js" "$source/$1/node-imports.js" "$source/$1/package.json" "$2/"
    else
        for file in test-suite.js node-imports.js package.json; do
            git --git-dir="$source" show "HEAD:$1/$file" > "$2/$file"
        done
    fi
    mkdir -p "$2/node_modules/chai-string"
    # node-fetch is an ES module: its own imports resolve beside the link (--preserve-symlinks).
    for package in mocha chai ws node-fetch data-uri-to-buffer fetch-blob formdata-polyfill node-domexception \
        web-streams-polyfill; do
        if [ -e "/usr/share/nodejs/$package" ]; then ln -s "/usr/share/nodejs/$package" "$2/node_modules/$package"; fi
    done
    cat > "$2/node_modules/chai-string/package.json" <<'JSON'
{ "name": "chai-string", "version": "0.0.0-shim", "main": "index.js" }
JSON
    cat > "$2/node_modules/chai-string/index.js" <<'JS'
// The one chai-string assertion the protocol suites use.
module.exports = function (chai) {
  chai.Assertion.addMethod("startsWith", function (prefix) {
    const actual = this._obj;
    this.assert(typeof actual === "string" && actual.startsWith(prefix),
      "expected #{this} to start with #{exp}", "expected #{this} not to start with #{exp}", prefix);
  });
};
JS
}

swift build --product socketio-conformance
binary="$(swift build --show-bin-path)/socketio-conformance"
"$binary" --port 3000 < /dev/null > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
    if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then break; fi
    sleep 0.1
done

status=0
run_suite() { # <name> <path in socket.io>
    copy_suite "$2" "$work/$1"
    echo "== $1 ($2)"
    (cd "$work/$1" && NODE_PATH=/usr/share/nodejs NODE_OPTIONS='--dns-result-order=ipv4first --preserve-symlinks' /usr/share/nodejs/mocha/bin/mocha.js test-suite.js) \
        || status=1
}
case "$which" in
    engine) run_suite engine.io docs/engine.io-protocol/v4-test-suite ;;
    socket) run_suite socket.io docs/socket.io-protocol/v5-test-suite ;;
    *) run_suite engine.io docs/engine.io-protocol/v4-test-suite
       run_suite socket.io docs/socket.io-protocol/v5-test-suite ;;
esac
if [ "$status" -ne 0 ]; then echo "== server log"; tail -50 "$work/server.log"; fi
exit "$status"
