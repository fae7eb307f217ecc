#!/usr/bin/env bash
# CPU of each thread of a running JVM over an interval, as % of a core, grouped by thread name (a
# trailing number becomes N), largest first, and the whole process's. For an idle DKV: start
# bin/dkv, wait 15 minutes so that the JIT compiler settles, then
#   load-tests/idle-threads.sh $(pgrep -f io.dkv.server.DkvMain) 120
set -euo pipefail
pid=${1:?usage: idle-threads.sh PID [SECONDS]}
seconds=${2:-120}
hz=$(getconf CLK_TCK)
names=$(mktemp); before=$(mktemp); after=$(mktemp)
trap 'rm -f "$names" "$before" "$after"' EXIT
# jstack names every Java thread with its native id (nid, hex); /proc/<pid>/task/<tid> is the same id.
jstack "$pid" | sed -n 's/^"\(.*\)".* nid=\(0x[0-9a-f]*\).*/\2\t\1/p' \
  | while IFS=$'\t' read -r nid name; do printf '%d\t%s\n' "$nid" "$(sed 's/-[0-9]*$/-N/' <<< "$name")"; done > "$names"
sample() {
  for stat in /proc/"$pid"/task/*/stat; do
    tid=${stat%/stat}; tid=${tid##*/}
    # Fields 14 and 15 (utime, stime) counted after the ")" that ends the thread's own name.
    sed 's/.*) //' "$stat" 2>/dev/null | awk -v tid="$tid" '{print tid "\t" $12 + $13}'
  done
  sed 's/.*) //' /proc/"$pid"/stat | awk '{print "process\t" $12 + $13}'
}
sample > "$before"; sleep "$seconds"; sample > "$after"
awk -F'\t' -v hz="$hz" -v s="$seconds" '
  FILENAME == ARGV[1] { name[$1] = $2; next }
  FILENAME == ARGV[2] { start[$1] = $2; next }
  { d = $2 - start[$1]; if ($1 == "process") { total = d } else if (d > 0) { n = ($1 in name) ? name[$1] : "thread " $1; by[n] += d } }
  END {
    for (n in by) printf "%6.2f  %s\n", by[n] * 100 / hz / s, n | "sort -rn"
    close("sort -rn")
    printf "%6.2f  whole process (%% of a core over %d s)\n", total * 100 / hz / s, s
  }' "$names" "$before" "$after"
