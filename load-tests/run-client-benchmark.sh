#!/usr/bin/env bash
# The Java client's overhead against the raw HTTP load generator on one single-machine DKV, and the
# near cache's hit latency. Extra arguments go to ClientBenchmark (for example --rounds 5 --clients 1,64).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" java -cp "$cp" io.dkv.bench.ClientBenchmark --dkv-command "$root/bin/dkv" \
  --work-dir "$work" "$@"
