#!/bin/sh
# deps.sh: install the Debian packages ppo needs with apt-get, only those that are missing.
# Does nothing when everything is there. Uses sudo when not run as root.
# Usage: scripts/deps.sh [--list]   (--list prints the package names and exits)
set -eu

# One line per package: what ppo uses it for.
PACKAGES="
gcc               the C compiler
pkg-config        finds the libraries below
libopenblas-dev   cblas matrix products (policy forward and backward)
libsdl2-dev       the live viewer window
libsdl2-ttf-dev   text in the viewer and in plots
libsdl2-image-dev PNG screenshots and plots
fonts-dejavu-core the font of that text
xvfb              a virtual display for the viewer's window test
xauth             xvfb-run (Xvfb from the command line)
libyaml-dev       config files
zlib1g-dev        CRC-32 of checkpoint files
check             the unit-test framework
libprotobuf-c-dev TensorBoard event files (protobuf-c)
protobuf-c-compiler protoc-c, compiles TensorBoard's .proto files to C at build time
libisal-dev       CRC-32C of TensorBoard's records (ISA-L)
python3-protobuf  the test that reads the event files back (an independent reader)
libgif-dev        GIF recordings of episodes (giflib)
openmpi-bin       mpirun, to train over several processes or machines (MPI)
libopenmpi-dev    the MPI library and headers ppo is built with when present
"

names=$(printf '%s\n' "$PACKAGES" | awk 'NF { print $1 }')
if [ "${1:-}" = "--list" ]; then
    printf '%s\n' "$names"
    exit 0
fi

missing=""
for p in $names; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: missing packages:$missing" >&2
    echo "deps: not root and no sudo; install them as root: apt-get install$missing" >&2
    exit 1
fi
echo "deps: installing$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
