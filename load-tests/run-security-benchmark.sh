#!/usr/bin/env bash
# The cost of TLS, authentication and authorization on the hot paths: SecurityCostBenchmark starts
# bin/dkv plainly (HTTP, no access file), with an access file and a bearer token on every request
# over HTTP (authentication and authorization alone), and with HTTPS besides (a self-signed
# certificate), each on a fresh data directory and measured alone, in a rotating order for --rounds,
# and prints the median throughput ratios to plain of 64-client puts and gets. Extra arguments go to
# SecurityCostBenchmark (for example --rounds 5 --settle-s 60).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" java -cp "$cp" io.dkv.bench.SecurityCostBenchmark --dkv-command "$root/bin/dkv" \
  --work-dir "$work" "$@"
