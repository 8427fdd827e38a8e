#!/bin/sh
# test_layers.sh: scripts/check-layers.sh passes on this checkout and fails, naming the file,
# line and rule, on a copy with each kind of broken rule planted in it. Run by `make test`.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
check="$here/scripts/check-layers.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; failed=1; }

"$check" "$here" >"$tmp/out" 2>&1 && ok "the checkout keeps its layers" || { cat "$tmp/out"; bad "the checkout keeps its layers"; }

# Plants LINE after the first line of FILE in a fresh copy of the layers, runs the check, and
# expects a failure whose message holds WANT.
plant() { # NAME FILE LINE WANT
    rm -rf "$tmp/copy" && mkdir -p "$tmp/copy"
    (cd "$here" && cp -R core envs policies algo run viewer cli "$tmp/copy/")
    sed -i "1a $3" "$tmp/copy/$2"
    if "$check" "$tmp/copy" >"$tmp/out" 2>&1; then bad "$1: the check passed"; return; fi
    grep -q -- "$4" "$tmp/out" && ok "$1" || { cat "$tmp/out"; bad "$1: no '$4' in the message"; }
}
plant "an upward include fails" core/err.h '#include "run/config.h"' 'core/err.h:2: includes "run/config.h": core/ (layer 0)'
plant "a sideways include between envs and policies fails" envs/env.h '#include "policies/policy.h"' 'envs/env.h:2: includes "policies/policy.h"'
plant "a bare include fails" algo/gae.c '#include "gae.h"' 'algo/gae.c:2: includes "gae.h" by bare name'
plant "a layer included with angle brackets fails" core/err.c '#include <run/config.h>' 'core/err.c:2: includes <run/config.h>: a file of ppo is included with quotes'
plant "a .. in an include path fails" envs/env.c '#include "envs/../run/trainer.h"' 'envs/env.c:2: includes "envs/../run/trainer.h": no . or .. in an include path'
plant "SDL outside the viewer fails" run/trainer.c '#include <SDL.h>' 'run/trainer.c:2: includes <SDL.h>, which only viewer/ may include'
plant "libyaml outside the config fails" run/trainer.c '#include <yaml.h>' 'which only run/config.c and run/sweep_file.c may include'
rm -rf "$tmp/copy" && mkdir -p "$tmp/copy/src"
(cd "$here" && cp -R core envs policies algo run viewer cli "$tmp/copy/") && cp "$here/core/err.c" "$tmp/copy/src/err.c"
if "$check" "$tmp/copy" >"$tmp/out" 2>&1; then bad "a .c file outside the layers fails: the check passed"
else grep -q "src/err.c: a .c file outside the layer folders" "$tmp/out" && ok "a .c file outside the layers fails" || bad "a .c file outside the layers fails"; fi
exit $failed
