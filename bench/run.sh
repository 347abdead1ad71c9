#!/usr/bin/env bash
# The whole benchmark set of issue #9 in one command: builds app.jar and benchmarks.jar, then runs
# start-up/memory cost, JMH, the end-to-end latency scenarios and the C floors, and writes
# docs/BENCHMARKS.md. Nothing here is a test. Wall time on the 2-core VM it was tuned on (each part
# is printed as it ends and the total is in the report): 22–26 minutes (25.9 published), not the 15 the
# issue asks for — cost ~75 s, JMH ~100 s, latency ~20–23 min, because the ~1,200 daemon starts cost
# 1.0–1.4 CPU-seconds each and the 280,000 holder forks ~0.9 ms each on this VM. The report's "Run time"
# section books both from the run itself and says what a start would have to cost for 15 minutes.
#
#   bench/run.sh                       everything, 200 trials per scenario (C kill floors: 200/100/50)
#   bench/run.sh --quick               20 trials, 3 runs, short JMH: a smoke run of the harness (~4 min)
#   bench/run.sh --skip jmh,cost       only the latency scenarios (also: --scenarios hb-loss,usr2-1000)
#   bench/run.sh --out /tmp/b.md       write the report elsewhere
#
# JAVA=/path/to/bin/java picks the JVM for the harness and the daemons; BENCH_NO_BUILD=1 skips the build.
# Needs Linux, gcc, JDK 17+, Maven; run as root for pidfd kills of other processes and mlock.
set -euo pipefail
cd "$(dirname "$0")/.."
java=${JAVA:-java}
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  mvn -B -q -pl app,bench -am package -DskipTests
fi
command -v gcc >/dev/null || { echo "bench/run.sh: needs gcc for the C floor (apt-get install gcc)" >&2; exit 2; }
exec "$java" -cp bench/target/benchmarks.jar dev.dazai.bench.Bench --command "bench/run.sh${*:+ $*}" "$@"
