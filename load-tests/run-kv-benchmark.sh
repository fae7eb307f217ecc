#!/usr/bin/env bash
# DKV against etcd 3.4 on this machine, each measured alone: KvBenchmark starts bin/dkv (embedded
# broker, fresh data dir), measures it, stops it, then does the same with etcd (single node on
# loopback, fresh data dir), --rounds times alternately, and prints the median ratios and DKV's idle
# CPU. Then it runs the exactly-once round-trip floor against a fresh DKV's broker. Extra arguments
# go to KvBenchmark (for example --rounds 5 --clients 1,16,64 --settle-s 120).
# Needs: etcd (apt-get install etcd-server); without it, DKV is measured alone.
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

etcd_args=()
if command -v etcd >/dev/null 2>&1; then
  echo "etcd: $(etcd --version | head -1)"
else
  echo "etcd not installed: measuring DKV alone (apt-get install etcd-server for the comparison)"
  etcd_args=(--etcd-command none)
fi
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" java -cp "$cp" io.dkv.bench.KvBenchmark --dkv-command "$root/bin/dkv" \
  --work-dir "$work/kv" "${etcd_args[@]}" "$@"

echo "starting DKV for the exactly-once floor..."
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" "$root/bin/dkv" --data-dir "$work/floor" > "$work/floor.log" 2>&1 &
dkv_pid=$!
for _ in $(seq 1 120); do grep -q "DKV listening" "$work/floor.log" && break; sleep 1; done
grep -q "DKV listening" "$work/floor.log" || { cat "$work/floor.log"; exit 1; }
java -cp "$cp" io.dkv.bench.EosRoundTripFloor --bootstrap-servers localhost:19092
