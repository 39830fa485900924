#!/bin/sh
# man.sh SCDOC TEMPLATE OPTIONS OUTPUT: insert the generated option list at @OPTIONS@ and render.
set -eu
awk -v f="$3" '/^@OPTIONS@$/ { while ((getline l < f) > 0) print l; next } { print }' "$2" | "$1" > "$4"
