#!/bin/sh
# check-layers.sh [ROOT]: checks the include rules of the source folders (README "Layout"), in
# the checkout at ROOT (default: the current folder). Run by `make test`.
#
# The folders are layers, from the bottom: core (0), envs and policies (1, which know nothing of
# each other), algo (2), run (3), viewer (4), cli (5). A file includes only from its own folder
# or a lower layer, always folder-qualified ("core/err.h", never "err.h"). Only viewer/ includes
# SDL2; only run/config.c and run/sweep_file.c (the two YAML readers) libyaml; only
# policies/linalg.c cblas; only core/dist.c mpi.h; only run/checkpoint.c zlib; only
# run/tensorboard.c protobuf-c, ISA-L (but algo/count_bonus.c its CRC-64) and the generated
# TensorBoard protos; only viewer/ giflib.
# Every .c file outside tests/ and examples/ (programs beside ppo, not in its library) lives in a
# layer, and no two share a name (the static library would keep only one of them).
#
# Prints one line per broken rule (FILE:LINE: what) and exits 1; exits 0 when all hold.
set -eu
cd "${1:-.}"
LAYERS="core envs policies algo run viewer cli"

strays=$(find . -name '*.c' -not -path './tests/*' -not -path './examples/*' -not -path './build/*' -not -path './.*/*' |
    sed 's|^\./||' | grep -v -E "^($(echo "$LAYERS" | tr ' ' '|'))/" || true)
dups=$(for l in $LAYERS; do find "$l" -name '*.c'; done | sed 's|.*/||' | sort | uniq -d)

# shellcheck disable=SC2046
find $LAYERS -name '*.[ch]' | sort | awk -v strays="$strays" -v dups="$dups" '
BEGIN {
    rank["core"] = 0; rank["envs"] = 1; rank["policies"] = 1; rank["algo"] = 2
    rank["run"] = 3; rank["viewer"] = 4; rank["cli"] = 5
    bad = 0
    n = split(strays, s, "\n")
    for (i = 1; i <= n; i++) if (s[i] != "") { print s[i] ": a .c file outside the layer folders"; bad = 1 }
    n = split(dups, d, "\n")
    for (i = 1; i <= n; i++) if (d[i] != "") { print d[i] ": two .c files of this name in the layers"; bad = 1 }
}
{ files[++nf] = $0 }
END {
    for (k = 1; k <= nf; k++) check(files[k])
    exit bad
}
function fail(f, ln, msg) { print f ":" ln ": " msg; bad = 1 }
# The folders or files (space separated) that may include a library header ("" for any).
function lib_owner(lib) {
    if (lib ~ /^SDL/) return "viewer/"
    if (lib == "yaml.h") return "run/config.c run/sweep_file.c"
    if (lib == "cblas.h") return "policies/linalg.c"
    if (lib == "mpi.h") return "core/dist.c"
    if (lib == "zlib.h") return "run/checkpoint.c"
    if (lib == "isa-l/crc64.h") return "algo/count_bonus.c"
    if (lib ~ /^(protobuf-c|isa-l|tensorboard)\//) return "run/tensorboard.c"
    if (lib == "gif_lib.h") return "viewer/"
    return ""
}
# Whether file f (in folder top) is one of the owners.
function owns(owner, f, top,    n, o, i) {
    n = split(owner, o, " ")
    for (i = 1; i <= n; i++) if (f == o[i] || top "/" == o[i]) return 1
    return 0
}
function owner_words(owner) { gsub(/ /, " and ", owner); return owner }
function check(f,    line, ln, top, target, ttop, owner) {
    split(f, parts, "/"); top = parts[1]
    ln = 0
    while ((getline line < f) > 0) {
        ln++
        if (line !~ /^[ \t]*#[ \t]*include/) continue
        if (match(line, /<[^>]*>/)) {
            target = substr(line, RSTART + 1, RLENGTH - 2)
            split(target, tparts, "/")
            if (tparts[1] in rank) { fail(f, ln, "includes <" target ">: a file of ppo is included with quotes, \"" target "\""); continue }
            owner = lib_owner(target)
            if (owner != "" && !owns(owner, f, top)) fail(f, ln, "includes <" target ">, which only " owner_words(owner) " may include")
            continue
        }
        if (!match(line, /"[^"]*"/)) continue
        target = substr(line, RSTART + 1, RLENGTH - 2)
        if (target ~ /(^|\/)\.\.?(\/|$)/) { fail(f, ln, "includes \"" target "\": no . or .. in an include path"); continue }
        if (index(target, "/") == 0) { fail(f, ln, "includes \"" target "\" by bare name; write the folder: \"LAYER/" target "\""); continue }
        split(target, tparts, "/"); ttop = tparts[1]
        if (!(ttop in rank)) { fail(f, ln, "includes \"" target "\" from " ttop "/, which is not a layer"); continue }
        if (ttop == top) continue
        if (rank[ttop] >= rank[top])
            fail(f, ln, "includes \"" target "\": " top "/ (layer " rank[top] ") may include only from its own folder and lower layers, not " ttop "/ (layer " rank[ttop] ")")
    }
    close(f)
}'
