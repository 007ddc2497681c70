# Written by the uWSGI buildpack. Sourced by bash when the dyno starts.
# shellcheck shell=bash
#
# The buildpack copies this file into the slug as it is (app/profile.py): what a
# build decides is read from files in the slug, never written in here.
#
# Sizing, computed at every dyno start from the dyno itself (config vars win):
#
# - memory: the cgroup limit (v2 memory.max, or v1 memory.limit_in_bytes), the
#   lowest of the process's own cgroup (from /proc/self/cgroup), its parents
#   and the mount's root: a container that sees the host's cgroup tree finds
#   its limit down its own path, one with a cgroup namespace at the root;
# - CPUs: nproc, or the cgroup's CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us
#   over cpu.cfs_period_us, rounded up) where that is lower: `docker run
#   --cpus 2` (Dokku's resource:limit --cpu) sets a quota that nproc does not
#   show;
# - WEB_CONCURRENCY (uWSGI processes): one per 256 MB of memory, at least 1
#   and at most two per CPU. With no memory limit at all (Dokku's default)
#   the processes are counted as for a 512 MB dyno, and the boot line says
#   how to set a limit: per CPU alone, a 32-CPU host would start 64 full
#   copies of the app;
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

# bp_uwsgi_cgroup_paths: the process's own cgroup paths, from /proc/self/cgroup
# ("0::/path" for v2, "N:memory:/path" and "N:cpu,cpuacct:/path" for v1),
# into the caller's v2_path, v1_memory_path and v1_cpu_path. A path that leaves
# the namespace ("/../..") is not followed. (Every file here is read only when
# it is a regular file, and this one for its first lines: the test variables
# below are config vars a user could point at a FIFO or /dev/zero.)
bp_uwsgi_cgroup_paths() {
  local file="$1" _id controllers path lines=0
  [ -f "$file" ] && [ -r "$file" ] || return 0
  while [ "$lines" -lt 64 ] && { IFS=: read -r _id controllers path || [ -n "$path" ]; }; do
    lines=$((lines + 1))
    case "$path" in */..|*/../*) continue ;; esac
    case ",$controllers," in
      ,,) v2_path="$path" ;;
      *,memory,*) v1_memory_path="$path" ;;
    esac
    case ",$controllers," in *,cpu,*) v1_cpu_path="$path" ;; esac
  done <"$file"
}

# bp_uwsgi_memory_limit DIR PATH FILE LABEL: the lowest limit in DIR/PATH/FILE
# and each parent of PATH up to DIR itself (a parent's limit binds its
# children), into the caller's lowest and lowest_from when below them.
bp_uwsgi_memory_limit() {
  local dir="$1" path="${2%/}" file="$3" value
  while :; do
    value=""
    if [ -f "$dir$path/$file" ] && [ -r "$dir$path/$file" ]; then
      read -r value _ <"$dir$path/$file" || true
    fi
    case "$value" in
      ''|*[!0-9]*) ;;
      *) # (18 digits at most: the shell's arithmetic is 64-bit.)
         if [ "${#value}" -le 18 ] && { [ -z "$lowest" ] || [ "$value" -lt "$lowest" ]; }; then
           lowest="$value" lowest_from="$4"
         fi ;;
    esac
    [ -n "$path" ] || break
    path="${path%/*}"
  done
}

# bp_uwsgi_cpu_quota DIR PATH v1|v2: the lowest CPU quota (in whole CPUs,
# rounded up) in DIR/PATH and its parents, into the caller's quota.
bp_uwsgi_cpu_quota() {
  local dir="$1" path="${2%/}" q p cpus
  while :; do
    q="" p=""
    if [ "$3" = v2 ]; then
      if [ -f "$dir$path/cpu.max" ] && [ -r "$dir$path/cpu.max" ]; then
        read -r q p _ <"$dir$path/cpu.max" || true
      fi
    elif [ -f "$dir$path/cpu.cfs_quota_us" ] && [ -f "$dir$path/cpu.cfs_period_us" ] &&
      [ -r "$dir$path/cpu.cfs_quota_us" ] && [ -r "$dir$path/cpu.cfs_period_us" ]; then
      read -r q _ <"$dir$path/cpu.cfs_quota_us" || true
      read -r p _ <"$dir$path/cpu.cfs_period_us" || true
    fi
    # "max" (v2) and -1 (v1) mean no quota.
    # (10#: decimal even with a leading zero; 15 digits: no 64-bit overflow.)
    case "$q:$p" in
      *[!0-9:]*|:*|*:) ;;
      *) if [ "${#q}" -le 15 ] && [ "${#p}" -le 15 ] && [ $((10#$p)) -gt 0 ]; then
           cpus=$(((10#$q + 10#$p - 1) / 10#$p))
           if [ "$cpus" -lt 1 ]; then cpus=1; fi
           if [ -z "$quota" ] || [ "$cpus" -lt "$quota" ]; then quota="$cpus"; fi
         fi ;;
    esac
    [ -n "$path" ] || break
    path="${path%/*}"
  done
}

bp_uwsgi_size() {
  local mem_mb="" source="" cpus nproc quota="" cpu_note="" workers threads rss
  local lowest="" lowest_from="" v2_path="" v1_memory_path="" v1_cpu_path=""
  # BP_UWSGI_CGROUP_ROOT, BP_UWSGI_PROC_CGROUP and BP_UWSGI_NPROC only exist so
  # that tests can stand in for a dyno's cgroup tree, its /proc/self/cgroup and
  # what nproc says (a 32-CPU host on a 2-CPU test machine).
  local cgroup="${BP_UWSGI_CGROUP_ROOT:-/sys/fs/cgroup}"
  bp_uwsgi_cgroup_paths "${BP_UWSGI_PROC_CGROUP:-/proc/self/cgroup}"
  # cgroup v2 where the unified tree is the mount (a container's view, or a
  # v2 host), then v1's memory controller: whichever binds lower.
  bp_uwsgi_memory_limit "$cgroup" "$v2_path" memory.max "cgroup v2"
  bp_uwsgi_memory_limit "$cgroup/memory" "$v1_memory_path" memory.limit_in_bytes "cgroup v1"
  if [ -n "$lowest" ]; then
    mem_mb=$((10#$lowest / 1048576)) source="$lowest_from"
    # cgroup v1 reports "no limit" as a huge number.
    if [ "$mem_mb" -ge 1048576 ]; then mem_mb=""; fi
  fi
  nproc=""
  case "${BP_UWSGI_NPROC:-}" in
    [1-9]|[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]) nproc="$BP_UWSGI_NPROC" ;;
    *) nproc=$(nproc 2>/dev/null) || nproc="" ;;
  esac
  case "$nproc" in ''|*[!0-9]*|0) nproc=1 ;; esac
  bp_uwsgi_cpu_quota "$cgroup" "$v2_path" v2
  bp_uwsgi_cpu_quota "$cgroup/cpu" "$v1_cpu_path" v1
  bp_uwsgi_cpu_quota "$cgroup/cpu,cpuacct" "$v1_cpu_path" v1
  cpus="$nproc"
  if [ -n "$quota" ] && [ "$quota" -lt "$nproc" ]; then
    cpus="$quota" cpu_note=" (cgroup CPU quota; nproc ${nproc})"
  fi
  if [ -n "$mem_mb" ]; then
    workers=$((mem_mb / 256))
  else
    # No limit: counted as for the smallest dyno, 512 MB.
    workers=2
  fi
  if [ "$workers" -gt $((cpus * 2)) ]; then workers=$((cpus * 2)); fi
  if [ "$workers" -lt 1 ]; then workers=1; fi
  local chosen="${WEB_CONCURRENCY:+set}"
  export WEB_CONCURRENCY="${WEB_CONCURRENCY:-$workers}"
  threads="${UWSGI_THREADS:-4}"
  export BP_UWSGI_THREADS="$threads"
  rss=""
  if [ -n "$mem_mb" ] && [ "$WEB_CONCURRENCY" -gt 0 ] 2>/dev/null; then
    # Three quarters of the memory, shared by the workers: the rest is for
    # the master, offload threads, the requests in flight in a worker that
    # is finishing them before it is replaced, and the page cache.
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
  local want="${UWSGI_LISTEN:-2048}" somaxconn="" listen listen_note=""
  case "$want" in ''|*[!0-9]*|0) want=2048 ;; esac
  # (read, not $(cat): herokuish sources this file under `set -e`, where a
  # failing command substitution would stop the dyno's start.)
  if [ -r /proc/sys/net/core/somaxconn ]; then
    read -r somaxconn _ </proc/sys/net/core/somaxconn || true
  fi
  listen="$want"
  case "$somaxconn" in
    ''|*[!0-9]*|0) ;;
    *) if [ "$want" -gt "$somaxconn" ]; then
         listen="$somaxconn" listen_note=", capped at net.core.somaxconn"
       fi ;;
  esac
  export BP_UWSGI_LISTEN="$listen"
  if [ -n "$mem_mb" ]; then
    BP_UWSGI_SIZING="uwsgi-buildpack: ${mem_mb} MB memory (${source})"
  elif [ -z "$chosen" ]; then
    BP_UWSGI_SIZING="uwsgi-buildpack: no memory limit found, processes counted as for 512 MB"
    BP_UWSGI_SIZING="$BP_UWSGI_SIZING (set a limit: dokku resource:limit --memory 512m, or WEB_CONCURRENCY)"
  else
    BP_UWSGI_SIZING="uwsgi-buildpack: no memory limit found (set one: dokku resource:limit --memory 512m)"
  fi
  BP_UWSGI_SIZING="$BP_UWSGI_SIZING, ${cpus} CPUs${cpu_note}"
  BP_UWSGI_SIZING="$BP_UWSGI_SIZING -> ${WEB_CONCURRENCY} processes x ${threads} threads"
  BP_UWSGI_SIZING="$BP_UWSGI_SIZING${rss:+, a worker reloads above ${rss} MB RSS}"
  export BP_UWSGI_SIZING="$BP_UWSGI_SIZING, listen backlog ${listen}${listen_note}"
}
bp_uwsgi_check_vars
unset -f bp_uwsgi_check_vars bp_uwsgi_number bp_uwsgi_refuse
bp_uwsgi_size
unset -f bp_uwsgi_size bp_uwsgi_cgroup_paths bp_uwsgi_memory_limit bp_uwsgi_cpu_quota
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
