#!/usr/bin/env bash
# Lock cycles (acquire → put with the lock → release), DKV beside etcd 3.4, each measured alone: LockBenchmark
# starts one system on a fresh data dir, runs the uncontended (1, 64 workers) and contended (16, 64 on one key)
# workloads, stops it, then the other, alternately. Extra arguments go to LockBenchmark
# (for example --rounds 3 --duration-s 20).
# Needs: etcd (apt-get install etcd-server); without it, DKV is measured alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
etcd_args=()
if ! command -v etcd >/dev/null 2>&1; then
  echo "etcd not installed: measuring DKV alone (apt-get install etcd-server for the comparison)"
  etcd_args=(--etcd-command none)
fi
DKV_JAVA_OPTS="${DKV_JAVA_OPTS:--Xmx1g}" java -cp "$cp" io.dkv.bench.LockBenchmark --dkv-command "$root/bin/dkv" "${etcd_args[@]}" "$@"
