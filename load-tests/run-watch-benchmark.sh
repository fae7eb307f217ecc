#!/usr/bin/env bash
# Watch fan-out and memory: starts bin/dkv on a fresh data dir, then runs WatchBenchmark for
# 1,000 and 10,000 watchers over SSE and WebSocket, and 100,000 idle WebSocket watches for memory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
cleanup() {
  [ -n "${dkv_pid:-}" ] && kill "$dkv_pid" 2>/dev/null && wait "$dkv_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" "$root/bin/dkv" --data-dir "$work/dkv" > "$work/dkv.log" 2>&1 &
dkv_pid=$!
for _ in $(seq 1 120); do grep -q "DKV listening" "$work/dkv.log" && break; sleep 1; done
grep -q "DKV listening" "$work/dkv.log" || { cat "$work/dkv.log"; exit 1; }
java_pid="$(pgrep -f 'io.dkv.server.DkvMain' | head -1)"

for args in "--transport sse --watchers 1000" "--transport ws --watchers 1000" \
            "--transport sse --watchers 10000" "--transport ws --watchers 10000"; do
  java -cp "$cp" io.dkv.bench.WatchBenchmark $args --duration-s 8 --dkv-pid "$java_pid"
done
java -Xmx2g -cp "$cp" io.dkv.bench.WatchBenchmark --transport ws --watchers 100000 --watches-per-connection 1000 \
  --rate 1 --duration-s 3 --dkv-pid "$java_pid"
