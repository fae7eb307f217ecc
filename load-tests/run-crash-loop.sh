#!/usr/bin/env bash
# Crash recovery: CrashLoop SIGKILLs a whole single-machine DKV (bin/dkv) on one data directory at
# random moments, under an 8-writer load and during its starts, and after every restart checks that
# it becomes ready and that every acknowledged write is readable with its value. Extra arguments go
# to CrashLoop (for example --kills 100 --seed 7). Do not edit the sources while it runs: bin/dkv
# rebuilds when they change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -B -q -DskipTests package)
cp="$root/load-tests/target/load-tests-0.1.0-SNAPSHOT.jar:$root/load-tests/target/lib/*"
java -cp "$cp" io.dkv.bench.CrashLoop --dkv "$root/bin/dkv" "$@"
