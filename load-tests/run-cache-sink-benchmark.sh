#!/usr/bin/env bash
# The Redis cache sink's delay (DKV put acknowledgement to Redis) at a fixed put rate, and one task's
# throughput, on a single-machine DKV with a real Connect worker and redis-server (apt-get install
# redis-server). Extra arguments go to CacheSinkBenchmark (for example --rate 1000 --backlog 50000).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" java -cp "$cp" io.dkv.bench.CacheSinkBenchmark --dkv-command "$root/bin/dkv" \
  --plugin-jar "$root/connect/target/connect-0.1.0-SNAPSHOT-plugin.jar" --work-dir "$work" "$@"
