#!/bin/sh
# embed-blob.sh INPUT OUTPUT SYMBOL: an assembler file that places INPUT's bytes in .rodata as
# SYMBOL_start .. SYMBOL_end.
set -eu
in=$(realpath "$1")
cat > "$2" <<EOT
        .section .rodata
        .global ${3}_start
        .global ${3}_end
        .balign 16
${3}_start:
        .incbin "$in"
${3}_end:
        .section .note.GNU-stack,"",@progbits
EOT
