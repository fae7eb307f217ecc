#!/usr/bin/env bash
# DKV against etcd 3.4 in one run on this machine: starts bin/dkv (embedded broker, fresh data dir)
# and etcd (single node on loopback, fresh data dir), runs KvBenchmark against both and the EOS
# round-trip floor against DKV's broker, then stops both. Extra arguments go to KvBenchmark
# (for example --clients 1,16,64 --duration-s 10 --settle-s 180). Needs: etcd (apt-get install etcd-server).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
cleanup() {
  [ -n "${dkv_pid:-}" ] && kill "$dkv_pid" 2>/dev/null && wait "$dkv_pid" 2>/dev/null || true
  [ -n "${etcd_pid:-}" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"

echo "starting DKV (data in $work/dkv)..."
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" "$root/bin/dkv" --data-dir "$work/dkv" > "$work/dkv.log" 2>&1 &
dkv_pid=$!
for _ in $(seq 1 120); do grep -q "DKV listening" "$work/dkv.log" && break; sleep 1; done
grep -q "DKV listening" "$work/dkv.log" || { cat "$work/dkv.log"; exit 1; }

etcd_args=()
if command -v etcd >/dev/null 2>&1; then
  echo "starting etcd $(etcd --version | head -1) (data in $work/etcd)..."
  etcd --data-dir "$work/etcd" --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
       --listen-peer-urls http://127.0.0.1:2380 > "$work/etcd.log" 2>&1 &
  etcd_pid=$!
  for _ in $(seq 1 30); do curl -fsS http://127.0.0.1:2379/health > /dev/null 2>&1 && break; sleep 1; done
else
  echo "etcd not installed: measuring DKV alone (apt-get install etcd-server for the side-by-side)"
  etcd_args=(--etcd none)
fi

java -cp "$cp" io.dkv.bench.KvBenchmark "${etcd_args[@]}" "$@"
java -cp "$cp" io.dkv.bench.EosRoundTripFloor --bootstrap-servers localhost:19092
