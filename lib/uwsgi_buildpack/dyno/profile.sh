# Written by the uWSGI buildpack. Sourced by bash when the dyno starts.
# shellcheck shell=bash
#
# The buildpack copies this file into the slug as it is (app/profile.py): what a
# build decides is read from files in the slug, never written in here.
#
# Sizing, computed at every dyno start from the dyno itself (config vars win):
#
# - memory: the cgroup limit (v2 memory.max, or v1 memory.limit_in_bytes);
# - WEB_CONCURRENCY (uWSGI processes): one per 256 MB of memory, at least 1
#   and at most two per CPU;
# - UWSGI_THREADS (threads per process): 4. Threads share one copy of the app,
#   so they add concurrency for I/O-bound requests at a fraction of a
#   process's memory (both measured: test/tools/benchmark-workers, README);
# - reload-on-rss: a worker whose resident memory passes its share of the
#   dyno's memory is replaced after its current request, so a slow leak ends
#   in a clean worker restart instead of R14 swapping.
#
# The result is printed once, by uWSGI at boot (`print` in uwsgi.ini).
#
# uWSGI itself reads every UWSGI_<OPTION> environment variable as an option,
# which is how UWSGI_HARAKIRI, UWSGI_THREADS, UWSGI_STATIC_MAP or any other
# option can be set as a config var. Variables of our own therefore start with
# BP_UWSGI_, never UWSGI_. UWSGI_STATS is the exception we translate (at build
# time) and unset: uWSGI would otherwise take "1" as the path of a unix socket.
export PATH="$HOME/.heroku/python/bin:$PATH"
# Heroku's Python is built without an rpath: it finds libpython through this.
export LD_LIBRARY_PATH="$HOME/.heroku/python/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-true}"
export LANG="${LANG:-C.UTF-8}"

bp_uwsgi_size() {
  local limit="" source="" mem_mb="" cpus workers threads rss
  # BP_UWSGI_CGROUP_ROOT only exists so tests can stand in for a dyno's cgroup.
  local cgroup="${BP_UWSGI_CGROUP_ROOT:-/sys/fs/cgroup}"
  if [ -r "$cgroup/memory.max" ]; then
    limit=$(cat "$cgroup/memory.max" 2>/dev/null) source="cgroup v2"
  elif [ -r "$cgroup/memory/memory.limit_in_bytes" ]; then
    limit=$(cat "$cgroup/memory/memory.limit_in_bytes" 2>/dev/null) source="cgroup v1"
  fi
  case "$limit" in
    ''|max|*[!0-9]*) ;;
    *) mem_mb=$((limit / 1048576))
       # cgroup v1 reports "no limit" as a huge number.
       [ "$mem_mb" -ge 1048576 ] && mem_mb="" ;;
  esac
  cpus=$(nproc 2>/dev/null || echo 1)
  if [ -n "$mem_mb" ]; then
    workers=$((mem_mb / 256))
  else
    workers=$((cpus * 2)) source="no memory limit found"
  fi
  [ "$workers" -gt $((cpus * 2)) ] && workers=$((cpus * 2))
  [ "$workers" -lt 1 ] && workers=1
  export WEB_CONCURRENCY="${WEB_CONCURRENCY:-$workers}"
  threads="${UWSGI_THREADS:-4}"
  export BP_UWSGI_THREADS="$threads"
  rss=""
  if [ -n "$mem_mb" ] && [ "$WEB_CONCURRENCY" -gt 0 ] 2>/dev/null; then
    # Three quarters of the memory, shared by the workers: the rest is for
    # the master, offload threads and the page cache.
    rss=$((mem_mb * 3 / 4 / WEB_CONCURRENCY))
    export BP_UWSGI_RELOAD_ON_RSS="$rss"
  fi
  # The listen backlog: connections the kernel accepts on the dyno's behalf
  # while every worker is busy. A dyno can see several hundred new connections
  # at once (each router allows 50 in-flight requests per dyno, and routers do
  # not coordinate); uWSGI's default of 100 leaves the rest to SYN retries
  # (seconds each) or resets, and a router that cannot connect within 5 s
  # quarantines the dyno. gunicorn, the official buildpack's server, asks for
  # 2048. uWSGI refuses to start when listen exceeds net.core.somaxconn, whose
  # value on a dyno is only known here, at boot. UWSGI_LISTEN overrides.
  local want="${UWSGI_LISTEN:-2048}" somaxconn listen listen_note=""
  case "$want" in ''|*[!0-9]*|0) want=2048 ;; esac
  somaxconn=$(cat /proc/sys/net/core/somaxconn 2>/dev/null)
  listen="$want"
  case "$somaxconn" in
    ''|*[!0-9]*|0) ;;
    *) if [ "$want" -gt "$somaxconn" ]; then
         listen="$somaxconn" listen_note=", capped at net.core.somaxconn"
       fi ;;
  esac
  export BP_UWSGI_LISTEN="$listen"
  BP_UWSGI_SIZING="uwsgi-buildpack: ${mem_mb:-unknown} MB memory (${source:-unknown}), ${cpus} CPUs"
  BP_UWSGI_SIZING="$BP_UWSGI_SIZING -> ${WEB_CONCURRENCY} processes x ${threads} threads"
  BP_UWSGI_SIZING="$BP_UWSGI_SIZING${rss:+, a worker reloads above ${rss} MB RSS}"
  export BP_UWSGI_SIZING="$BP_UWSGI_SIZING, listen backlog ${listen}${listen_note}"
}
bp_uwsgi_size
unset -f bp_uwsgi_size

# Chunked request bodies larger than this are answered 413 (default uwsgi.ini).
# The default, 100 MB, is uwsgi_config.DEFAULT_BODY_LIMIT_MB (a test checks).
case "${CHUNKED_BODY_LIMIT_MB:-}" in
  ''|*[!0-9]*|0) export BP_UWSGI_BODY_LIMIT=$((100 * 1048576)) ;;
  *) export BP_UWSGI_BODY_LIMIT=$((CHUNKED_BODY_LIMIT_MB * 1048576)) ;;
esac

# UWSGI_STATS, decided at build time (stats.py): the stats server, on loopback
# only (reach it with heroku ps:exec). The build writes the address it decided
# into this file (profile.STATS_FILE), read here as data: no file, no server.
unset BP_UWSGI_STATS
if [ -s "$HOME/.heroku/uwsgi-buildpack/stats-address" ]; then
  read -r BP_UWSGI_STATS <"$HOME/.heroku/uwsgi-buildpack/stats-address"
  export BP_UWSGI_STATS
fi
unset UWSGI_STATS
