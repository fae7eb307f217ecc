#!/usr/bin/env bash
# What keeping leases alive costs: LeaseBenchmark starts bin/dkv (embedded broker, fresh data dir) and
# alternates a 64-client put load alone, the same load while 10,000 leases are refreshed every TTL/3,
# and the refreshes alone; then the expiry distribution of leases nobody refreshes. Extra arguments go
# to LeaseBenchmark (for example --rounds 5 --leases 20000 --ttl-ms 5000).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" java -cp "$cp" io.dkv.bench.LeaseBenchmark --dkv-command "$root/bin/dkv" "$@"
