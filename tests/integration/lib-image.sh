# shellcheck shell=bash
# Disk images for the -i tests, made with Debian's tools from the busybox root: file systems in
# files (mkfs.ext4 -d, mksquashfs, mkfs.erofs, mkfs.btrfs --rootdir, mkfs.vfat + mcopy) and GPT
# disks (sgdisk) with the Discoverable Partitions type codes. Source after lib.sh.

# sgdisk type codes (x86-64): root, /usr, /home, /srv, /var, /var/tmp, ESP, XBOOTLDR, generic
declare -A GPT_CODE=([root]=8304 [usr]=8314 [home]=8302 [srv]=8306 [var]=8310 [tmp]=8311
                     [esp]=ef00 [xbootldr]=ea00 [generic]=8300 [root-verity]=830c
                     [root-verity-sig]=41092b05-9fc8-4523-994f-2def0408b176)

image_require_x86_64() {
        [[ $(uname -m) == x86_64 ]] || skip "the images use the x86-64 partition types"
}

# fs_make TYPE DIR FILE: FILE holds a TYPE file system with DIR's contents.
fs_make() {
        local type=$1 dir=$2 file=$3 size
        rm -f "$file"
        size=$(( $(du -sm "$dir" | cut -f1) * 2 + 16 ))
        case $type in
        ext4) mkfs.ext4 -q -F -d "$dir" "$file" "${size}M" ;;
        squashfs) require mksquashfs; mksquashfs "$dir" "$file" -quiet -noappend -all-root >/dev/null ;;
        erofs) require mkfs.erofs; mkfs.erofs --quiet "$file" "$dir" >/dev/null ;;
        btrfs) require mkfs.btrfs; truncate -s "$((size + 112))M" "$file"
               mkfs.btrfs -q --rootdir "$dir" "$file" >/dev/null ;;
        xfs) require mkfs.xfs; truncate -s 300M "$file"; mkfs.xfs -q "$file" ;;
        vfat) require mkfs.vfat mcopy; truncate -s 64M "$file"; mkfs.vfat "$file" >/dev/null
              [[ -n $(ls -A "$dir") ]] && mcopy -s -i "$file" "$dir"/* ::/ ;;
        *) fail "fs_make: unknown type $type" ;;
        esac || fail "could not make a $type file system"
}

# gpt_make IMAGE DESIGNATOR:FILE[:ATTRS[:NAME]]...: a GPT disk with one partition per file, in
# order, typed by designator; ATTRS are sgdisk attribute bits to set ("60" read-only, "63"
# no-auto), NAME the partition's name (its label).
gpt_make() {
        local img=$1; shift
        local args=() n=1 total=2 spec d f attrs name mib
        for spec in "$@"; do
                f=${spec#*:}; f=${f%%:*}
                total=$(( total + ($(stat -c %s "$f") + 1048575) / 1048576 + 1 ))
        done
        rm -f "$img"; truncate -s "$((total + 2))M" "$img"
        for spec in "$@"; do
                IFS=: read -r d f attrs name <<< "$spec"
                mib=$(( ($(stat -c %s "$f") + 1048575) / 1048576 ))
                args+=(-n "$n:0:+${mib}M" -t "$n:${GPT_CODE[$d]}")
                [[ -n $attrs ]] && args+=(-A "$n:set:$attrs")
                [[ -n $name ]] && args+=(-c "$n:$name")
                n=$((n + 1))
        done
        sgdisk "${args[@]}" "$img" >/dev/null || fail "sgdisk failed"
        n=1
        for spec in "$@"; do
                IFS=: read -r d f attrs name <<< "$spec"
                local start
                start=$(sgdisk -i "$n" "$img" | awk '/^First sector/ { print $3 }')
                dd if="$f" of="$img" bs=512 seek="$start" conv=notrunc status=none || fail "dd failed"
                n=$((n + 1))
        done
}

# The loop devices attached now: "NAME BACKING-FILE" lines (for before/after comparisons).
loop_devices() {
        local d
        for d in /sys/block/loop*; do
                [[ -e $d/loop/backing_file ]] && echo "${d##*/} $(cat "$d/loop/backing_file")"
        done | sort
}

# mount_source TEXT MOUNTPOINT: the source of MOUNTPOINT's last entry in a mountinfo TEXT.
mount_source() {
        awk -v mp="$2" '$5 == mp { for (i = 7; $i != "-"; i++); e = $(i + 2) } END { print e }' <<< "$1"
}
