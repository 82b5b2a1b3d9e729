#!/usr/bin/env bash
# The cluster benchmark in one command: installs redis-server, hiredis and gnuplot from Debian's
# packages when missing, builds in release mode, runs the mesh and Redis side by side on
# loopback, and writes bench-results/cluster.{json,csv,png}. Extra arguments go to the
# benchmark (`--help` lists them).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
[ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
swift build -c release --product ClusterBench
cd ..
exec Benchmarks/.build/release/ClusterBench --output bench-results "$@"
