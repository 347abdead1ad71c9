#!/usr/bin/env bash
# The whole benchmark set of issue #9 in one command: builds app.jar and benchmarks.jar, then runs
# start-up/memory cost, JMH, the end-to-end latency scenarios and the C floor, and writes
# docs/BENCHMARKS.md. About 15 minutes on 2 cores; nothing here is a test.
#
#   bench/run.sh                       everything, 200 trials per scenario
#   bench/run.sh --quick               20 trials, 3 runs, short JMH: a smoke run of the harness
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
