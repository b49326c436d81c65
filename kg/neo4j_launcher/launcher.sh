#!/usr/bin/env bash
# Build and run the test-only Neo4j Community launcher (see neo4j/README.md).
#
#   neo4j/launcher.sh build CACHE_DIR [--force]
#       mvn package into CACHE_DIR/target (jar + lib/), then a short training run that writes an
#       AppCDS archive CACHE_DIR/launcher.jsa (halves JVM startup). Skipped when up to date.
#   neo4j/launcher.sh run CACHE_DIR LAUNCHER_ARGS...
#       exec java ... -jar CACHE_DIR/target/neo4j-launcher.jar LAUNCHER_ARGS
#       (exec: the PID you started is the JVM, so SIGTERM reaches it directly)
#
# Environment:
#   N4L_JAVA       java binary (default: java on PATH; Neo4j 5.26 needs Java 17 or 21)
#   N4L_JAVA_OPTS  JVM options (default below: small heap, parallel GC, full JIT; kg.neo4j_server
#                  passes the same with the heap it is asked for)
#   N4L_NO_CDS=1   do not create/use the AppCDS archive
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/launcher/pom.xml"
src="$here/launcher/src/main/java/kg/neo4j/Launcher.java"
java_bin="${N4L_JAVA:-java}"
default_opts="-Xms256m -Xmx512m -XX:+UseParallelGC -XX:-OmitStackTraceInFastThrow -Dlog4j2.disable.jmx=true"
read -r -a java_opts <<< "${N4L_JAVA_OPTS:-$default_opts}"

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd="$1"; cache="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2
jar="$cache/target/neo4j-launcher.jar"
jsa="$cache/launcher.jsa"

cds_opts=()
if [ "${N4L_NO_CDS:-0}" != 1 ] && [ -s "$jsa" ]; then
  # -Xshare:auto (the default) silently falls back if the archive does not match
  cds_opts=(-XX:SharedArchiveFile="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
fi

case "$cmd" in
  build)
    force=0; [ "${1:-}" = "--force" ] && force=1
    if [ $force = 0 ] && [ -s "$jar" ] && [ -d "$cache/target/lib" ] \
        && [ "$jar" -nt "$pom" ] && [ "$jar" -nt "$src" ] \
        && { [ "${N4L_NO_CDS:-0}" = 1 ] || [ -s "$jsa" ]; }; then
      echo "neo4j launcher up to date: $jar" >&2
      exit 0
    fi
    mvn -q -B -f "$pom" package -DbuildDirectory="$cache/target" >&2
    rm -f "$jsa"
    if [ "${N4L_NO_CDS:-0}" != 1 ]; then
      train="$(mktemp -d "${TMPDIR:-/tmp}/n4l-cds.XXXXXX")"
      tmpjsa="$jsa.tmp.$$"
      if "$java_bin" "${java_opts[@]}" -XX:ArchiveClassesAtExit="$tmpjsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
          -jar "$jar" --home "$train/home" --port 0 --password cds-training --exit-when-ready \
          > "$train/out" 2> "$train/err" && grep -q '^READY ' "$train/out" && [ -s "$tmpjsa" ]; then
        mv -f "$tmpjsa" "$jsa"
      else
        echo "warning: CDS training run failed; the launcher works, just starts slower" >&2
        cat "$train/err" >&2 || true
        rm -f "$tmpjsa"
      fi
      rm -rf "$train"
    fi
    echo "built $jar" >&2
    ;;
  run)
    [ -s "$jar" ] || { echo "not built: run '$0 build $cache' first" >&2; exit 1; }
    exec "$java_bin" "${java_opts[@]}" "${cds_opts[@]}" -jar "$jar" "$@"
    ;;
  *) usage ;;
esac
