#!/bin/sh
# Compiles the power-loss file system (needs gcc and Debian's libfuse3-dev; fuse3's fusermount3
# to run) into the path given, by default .tools/power-loss-fs/power-loss-fs of this checkout.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../.tools/power-loss-fs/power-loss-fs}
if command -v pkg-config >/dev/null && pkg-config --exists fuse3; then
  cflags=$(pkg-config --cflags fuse3)
  libs=$(pkg-config --libs fuse3)
else
  cflags=-I/usr/include/fuse3
  libs="-lfuse3 -lpthread"
fi
mkdir -p "$(dirname "$out")"
# A temporary name of its own: two test files may compile at once; mv replaces atomically.
# shellcheck disable=SC2086 # the flags are lists of words
gcc -std=c11 -O2 -Wall -Wextra -D_GNU_SOURCE $cflags -o "$out.$$.tmp" "$here"/*.c $libs
mv "$out.$$.tmp" "$out"
