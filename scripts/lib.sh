# Shell helpers shared by scripts/install-deps, scripts/test and scripts/demo.
# Source it; it defines functions and BSM_ROOT and changes nothing else.
# shellcheck shell=bash

# The repository root, whatever the caller's working directory.
BSM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BSM_ROOT

# Messages go to stderr so that a script's own output stays clean for pipes.
bsm_say() {
  printf '%s\n' "$*" >&2
}

bsm_die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Parallel jobs for Ninja and ctest: 2 by default (the CI machine has 2 cores shared with
# others); BSM_JOBS overrides.
bsm_jobs() {
  local jobs="${BSM_JOBS:-2}"
  if ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then
    bsm_die "BSM_JOBS must be a positive whole number, got '$jobs'"
  fi
  printf '%s\n' "$jobs"
}

# "1m 05s" from a number of seconds.
bsm_format_seconds() {
  local total="$1"
  if ((total >= 60)); then
    printf '%dm %02ds\n' $((total / 60)) $((total % 60))
  else
    printf '%ds\n' "$total"
  fi
}

# Configures a build tree with Ninja: bsm_configure DIR BUILD_TYPE [CMAKE_ARGS...].
# A tree made earlier with another generator cannot be switched to Ninja by CMake, so that case
# gets a clear message instead of CMake's.
bsm_configure() {
  local dir="$1" type="$2"
  shift 2
  local cache="$BSM_ROOT/$dir/CMakeCache.txt"
  if [[ -f "$cache" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
    bsm_say "error: $dir/ was configured with another generator than Ninja;" \
      "remove it (rm -rf $dir) and run again"
    return 1
  fi
  cmake -S "$BSM_ROOT" -B "$BSM_ROOT/$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@"
}

# The cmake arguments of the normal build in build/. scripts/test and scripts/demo share that
# tree, so they must configure it alike or each run would rebuild everything.
# shellcheck disable=SC2034  # used by the scripts that source this file
BSM_NORMAL_BUILD_ARGS=(-DBSM_WERROR=ON)
