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
# uWSGI itself reads every UWSGI_<OPTION> environment variable as an option
# (parse_sys_envs, core/utils.c, before any config file), which is how
# UWSGI_HARAKIRI, UWSGI_STATIC_MAP or any other option can be set as a config
# var. Variables of our own therefore start with BP_UWSGI_, never UWSGI_.
#
# Config vars are checked here before anything uses them (bp_uwsgi_check_vars):
# a value that is not of its form gives one line naming the variable and what
# it expects, and the default is used. The default uwsgi.ini reads only the
# BP_UWSGI_* values this script sets, never a config var itself: uWSGI expands
# $(VAR), %(option), @(file) and @(exec://cmd) in option values, so a config
# var reaching an option could run a command. The UWSGI_* variables the
# buildpack owns (UWSGI_THREADS, UWSGI_LISTEN, UWSGI_MODULE) are unset once
# checked when the default uwsgi.ini serves the app, so uWSGI does not read
# them as options too; UWSGI_STATS, decided at build time, always is (uWSGI
# would take "1" as the path of a unix socket).
export PATH="$HOME/.heroku/python/bin:$PATH"
# Heroku's Python is built without an rpath: it finds libpython through this.
export LD_LIBRARY_PATH="$HOME/.heroku/python/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-true}"
export LANG="${LANG:-C.UTF-8}"

# bp_uwsgi_number NAME MIN MAX WHAT DEFAULT: leave $NAME a decimal number from
# MIN to MAX (leading zeros dropped: bash would read 0999 as octal), or unset
# it with one line saying so; empty counts as unset.
bp_uwsgi_number() {
  local name="$1" min="$2" max="$3" what="$4" default="$5" value digits
  value="${!name:-}"
  if [ -z "$value" ]; then
    unset "$name"
    return 0
  fi
  digits="${value#"${value%%[!0]*}"}"
  case "$value" in
    *[!0-9]*) ;;
    *) # At most 9 digits: a longer number is out of range, and bash
       # arithmetic would overflow on it.
       if [ "${#digits}" -le 9 ] && [ "$((10#${digits:-0}))" -ge "$min" ] &&
          [ "$((10#${digits:-0}))" -le "$max" ]; then
         printf -v "$name" '%d' "$((10#$digits))"
         return 0
       fi ;;
  esac
  bp_uwsgi_refuse "$name" "$value" "a whole number from $min to $max ($what)" "$default"
  unset "$name"
  return 0
}

# bp_uwsgi_refuse NAME VALUE EXPECTED DEFAULT: the one boot line for a config
# var that is not of its form (its value shown printable and short).
bp_uwsgi_refuse() {
  local shown="${2//[![:print:]]/?}"
  [ "${#shown}" -le 60 ] || shown="${shown:0:60}..."
  printf 'uwsgi-buildpack: %s="%s" is not %s; ignored, using %s\n' "$1" "$shown" "$3" "$4" >&2
}

# The config vars the dyno reads, checked (see the top of this file). Runs
# before bp_uwsgi_size, which reads WEB_CONCURRENCY, UWSGI_THREADS and
# UWSGI_LISTEN as this leaves them: checked, or unset.
bp_uwsgi_check_vars() {
  # The BP_UWSGI_* the default uwsgi.ini reads come from this script only,
  # never from the environment the dyno was started with.
  unset BP_UWSGI_APP BP_UWSGI_PROCESSES BP_UWSGI_THREADS BP_UWSGI_LISTEN \
    BP_UWSGI_BODY_LIMIT BP_UWSGI_RELOAD_ON_RSS BP_UWSGI_SIZING BP_UWSGI_STATS
  bp_uwsgi_number WEB_CONCURRENCY 1 1024 "uWSGI processes" \
    "the number computed from the dyno's memory and CPUs"
  bp_uwsgi_number UWSGI_THREADS 1 256 "threads per uWSGI process" "4"
  bp_uwsgi_number UWSGI_LISTEN 1 65535 "the listen backlog" "2048"
  bp_uwsgi_number CHUNKED_BODY_LIMIT_MB 1 102400 "MB of a chunked request body" "100"
  # UWSGI_MODULE: the form the build checks (app/entrypoint.py, SPEC_RE; a
  # test runs both on the same values). Anything else, in particular a
  # newline or uWSGI's $( %( @( expansions, is never handed on.
  local ident='[A-Za-z_][A-Za-z0-9_]*' literal arg args module spec
  literal="('[A-Za-z0-9_ ,.=+-]*'|\"[A-Za-z0-9_ ,.=+-]*\"|[+-]?[0-9]+(\\.[0-9]+)?|True|False|None)"
  arg="($ident=)?$literal"
  args="( *$arg *(, *$arg *)*,? *)?"
  module="([A-Za-z0-9_][A-Za-z0-9_.-]*/)*$ident(\\.py)?|$ident(\\.$ident)*"
  spec="^($module)(:$ident(\\.$ident)*(\\($args\\))?)?$"
  local wanted="${UWSGI_MODULE:-}"
  wanted="${wanted#"${wanted%%[![:space:]]*}"}"
  wanted="${wanted%"${wanted##*[![:space:]]}"}"
  if [[ $wanted =~ $spec ]]; then
    export BP_UWSGI_APP="$wanted"
  elif [ -n "$wanted" ]; then
    bp_uwsgi_refuse UWSGI_MODULE "$UWSGI_MODULE" \
      "a WSGI entry point (module:callable, a module, a file of the app, or module:factory() with literal arguments)" \
      "the entry point the build chose"
    unset UWSGI_MODULE
  fi
  # UWSGI_STATS is decided at build time (stats.py): the build writes the
  # address into this file (profile.STATS_FILE), read here as data, and
  # checked as such: no file, no server.
  local stats_file="$HOME/.heroku/uwsgi-buildpack/stats-address" stats=""
  if [ -s "$stats_file" ]; then
    read -r stats <"$stats_file" || true
  fi
  if [[ $stats =~ ^(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|localhost):[0-9]{1,5}$ ]]; then
    export BP_UWSGI_STATS="$stats"
  elif [ -n "${UWSGI_STATS:-}" ]; then
    case "${UWSGI_STATS,,}" in
      0|false|no|off) ;;
      *) printf 'uwsgi-buildpack: UWSGI_STATS is read at build time, and this slug was built without a stats server; push again to start it\n' >&2 ;;
    esac
  fi
  return 0
}

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
bp_uwsgi_check_vars
unset -f bp_uwsgi_check_vars bp_uwsgi_number bp_uwsgi_refuse
bp_uwsgi_size
unset -f bp_uwsgi_size
# The process count the default uwsgi.ini reads: WEB_CONCURRENCY as checked, or
# the computed default.
export BP_UWSGI_PROCESSES="$WEB_CONCURRENCY"

# Chunked request bodies larger than this are answered 413 (default uwsgi.ini).
# The default, 100 MB, is uwsgi_config.DEFAULT_BODY_LIMIT_MB (a test checks).
export BP_UWSGI_BODY_LIMIT=$((${CHUNKED_BODY_LIMIT_MB:-100} * 1048576))

# Checked and read into BP_UWSGI_* above: kept from uWSGI's own reading of
# UWSGI_* variables when the default uwsgi.ini (and its WSGI wrapper) serves
# the app. An app's own uwsgi.ini gets them as uWSGI options, as uWSGI intends.
if [ -f "$HOME/.heroku/uwsgi-buildpack/uwsgi_buildpack_wsgi.py" ]; then
  unset UWSGI_THREADS UWSGI_LISTEN UWSGI_MODULE
fi
unset UWSGI_STATS
