#!/bin/sh
# vmtopo-collect: gathers what `vmtopo drift` compares a vmtopo file with, on the host itself, into
# one tar file (a "bundle"). Run it as root on the host:   sh vmtopo-collect.sh
# It prints the path of the bundle (in a new temporary folder of its own) on stdout.
#
# Read-only: it runs only commands that read (`virsh -r` is libvirt's read-only connection), reads
# sysfs and /proc, and writes nothing but its own temporary folder. Each command has a time limit
# (`timeout`, when coreutils has it); a tool that is not installed is listed as missing.
#
# The bundle, under bundle/:
#   manifest.tsv                     format, host, kernel, time, then one line per command:
#                                    run<TAB>EXIT<TAB>FILE<TAB>COMMAND, or missing<TAB>TOOL
#   lstopo.xml                       lstopo --of xml (hwloc)
#   virsh/capabilities.xml           virsh capabilities
#   virsh/nodedev/NAME.xml           virsh nodedev-dumpxml of every PCI device
#   virsh/domain/UUID.inactive.xml   virsh dumpxml --inactive of every domain
#   virsh/domain/UUID.live.xml       virsh dumpxml of every running domain
#   nvidia-smi/query.xml             nvidia-smi -q -x
#   nvidia-smi/topo.txt              nvidia-smi topo -m
#   sysfs/pci.tsv                    per PCI function: ids, numa_node, iommu_group, SR-IOV VFs,
#                                    current and maximum link speed and width, sysfs path, BARs
#                                    (INDEX:SIZE:FLAGS from `resource`)
#   sysfs/hugepages.tsv              per NUMA node and page size: reserved, free and surplus pages
#   sysfs/mdev.tsv                   per mediated-device type: parent, type, name, available instances
#   proc/cmdline                     the kernel command line
# Sources: kernel Documentation/ABI/testing/sysfs-bus-pci and
# Documentation/admin-guide/mm/hugetlbpage.rst; libvirt https://libvirt.org/manpages/virsh.html;
# NVIDIA https://docs.nvidia.com/deploy/nvidia-smi/ ; hwloc https://www.open-mpi.org/projects/hwloc/doc/
set -u
umask 077
LC_ALL=C
export LC_ALL

work=$(mktemp -d "${TMPDIR:-/tmp}/vmtopo-collect.XXXXXX") || { echo 'vmtopo-collect: cannot make a temporary folder' >&2; exit 1; }
b="$work/bundle"
mkdir -p "$b/virsh/nodedev" "$b/virsh/domain" "$b/nvidia-smi" "$b/sysfs" "$b/proc" || exit 1
manifest="$b/manifest.tsv"
errors="$b/stderr.txt"
: > "$errors"

host=$(uname -n)
if command -v hostname >/dev/null 2>&1; then host=$(hostname 2>/dev/null || uname -n); fi
{
    printf 'vmtopo-bundle\t1\n'
    printf 'host\t%s\n' "$host"
    printf 'kernel\t%s\n' "$(uname -r)"
    printf 'collected\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$manifest"

have() { command -v "$1" >/dev/null 2>&1; }
limit=''
if have timeout; then limit='timeout 30'; fi

# run FILE COMMAND...: the command's stdout into bundle/FILE, its exit code into the manifest.
run() {
    file=$1
    shift
    printf '### %s\n' "$*" >> "$errors"
    # shellcheck disable=SC2086 # $limit is empty or "timeout 30": two words on purpose
    $limit "$@" > "$b/$file" 2>> "$errors"
    rc=$?
    printf 'run\t%s\t%s\t%s\n' "$rc" "$file" "$*" >> "$manifest"
    return $rc
}
missing() { printf 'missing\t%s\n' "$1" >> "$manifest"; }

# hwloc: lstopo-no-graphics is the same program without the X11/cairo outputs.
if have lstopo-no-graphics; then run lstopo.xml lstopo-no-graphics --of xml -
elif have lstopo; then run lstopo.xml lstopo --of xml -
else missing lstopo; fi

# libvirt, read-only. VMTOPO_VIRSH_URI chooses the connection (default: virsh's own default).
if have virsh; then
    if [ -n "${VMTOPO_VIRSH_URI:-}" ]; then set -- virsh -r -c "$VMTOPO_VIRSH_URI"; else set -- virsh -r; fi
    run virsh/capabilities.xml "$@" capabilities
    # libvirt names a PCI node device pci_DDDD_BB_SS_F; when it cannot list them, the names come from sysfs
    if ! run virsh/nodedevs.txt "$@" nodedev-list --cap pci; then
        for d in /sys/bus/pci/devices/*; do
            [ -e "$d" ] || continue
            a=${d##*/}
            printf 'pci_%s\n' "$a" | tr ':.' '__'
        done > "$b/virsh/nodedevs.txt"
        printf 'run\t0\tvirsh/nodedevs.txt\tls /sys/bus/pci/devices (libvirt node device names)\n' >> "$manifest"
    fi
    if [ -s "$b/virsh/nodedevs.txt" ]; then
        while read -r dev; do
            case $dev in
                '' | *[!A-Za-z0-9_]*) continue ;;
            esac
            run "virsh/nodedev/$dev.xml" "$@" nodedev-dumpxml "$dev"
        done < "$b/virsh/nodedevs.txt"
    fi
    if run virsh/domains.txt "$@" list --all --uuid; then
        while read -r uuid; do
            case $uuid in
                '' | *[!0-9a-f-]*) continue ;;
            esac
            run "virsh/domain/$uuid.inactive.xml" "$@" dumpxml --inactive "$uuid"
            state=$($limit "$@" domstate "$uuid" 2>> "$errors")
            if [ "$state" = 'running' ] || [ "$state" = 'paused' ]; then
                run "virsh/domain/$uuid.live.xml" "$@" dumpxml "$uuid"
            fi
        done < "$b/virsh/domains.txt"
    fi
else
    missing virsh
fi

if have nvidia-smi; then
    run nvidia-smi/query.xml nvidia-smi -q -x
    run nvidia-smi/topo.txt nvidia-smi topo -m
else
    missing nvidia-smi
fi

# one value of a sysfs file, or - when it is absent or unreadable
val() {
    if [ -r "$1" ]; then
        v=$(cat "$1" 2>/dev/null) || v=-
        printf '%s' "${v:--}"
    else
        printf -- '-'
    fi
}

# sysfs: PCI functions (kernel Documentation/ABI/testing/sysfs-bus-pci)
pci="$b/sysfs/pci.tsv"
printf 'address\tvendor\tdevice\tclass\tsubsystem_vendor\tsubsystem_device\tnuma_node\tiommu_group\tsriov_numvfs\tsriov_totalvfs\tcurrent_link_speed\tcurrent_link_width\tmax_link_speed\tmax_link_width\tpath\tbars\n' > "$pci"
pci_rc=0
if [ -d /sys/bus/pci/devices ]; then
    for d in /sys/bus/pci/devices/*; do
        [ -e "$d" ] || continue
        a=${d##*/}
        group=-
        if [ -L "$d/iommu_group" ]; then
            g=$(readlink "$d/iommu_group")
            group=${g##*/}
        fi
        path=$(cd -P "$d" 2>/dev/null && pwd)
        path=${path#/sys/devices/}
        # BARs from `resource`: one "start end flags" line per region, 0-5 the BARs, 6 the ROM;
        # written INDEX:SIZE:FLAGS (size end - start + 1 bytes; flags as the kernel gives them)
        bars=''
        i=0
        if [ -r "$d/resource" ]; then
            while read -r start end flags; do
                if [ "$i" -le 5 ] && [ "$end" != '0x0000000000000000' ]; then
                    bars="$bars${bars:+,}$i:$((end - start + 1)):$flags"
                fi
                i=$((i + 1))
            done < "$d/resource"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$a" \
            "$(val "$d/vendor")" "$(val "$d/device")" "$(val "$d/class")" \
            "$(val "$d/subsystem_vendor")" "$(val "$d/subsystem_device")" \
            "$(val "$d/numa_node")" "$group" "$(val "$d/sriov_numvfs")" "$(val "$d/sriov_totalvfs")" \
            "$(val "$d/current_link_speed")" "$(val "$d/current_link_width")" \
            "$(val "$d/max_link_speed")" "$(val "$d/max_link_width")" "${path:--}" "${bars:--}" >> "$pci"
    done
else
    pci_rc=1
fi
printf 'run\t%s\tsysfs/pci.tsv\tread /sys/bus/pci/devices/*\n' "$pci_rc" >> "$manifest"

# sysfs: hugepage pools per NUMA node (Documentation/admin-guide/mm/hugetlbpage.rst)
huge="$b/sysfs/hugepages.tsv"
printf 'node\tsize_kib\tnr_hugepages\tfree_hugepages\tsurplus_hugepages\n' > "$huge"
for p in /sys/devices/system/node/node*/hugepages/hugepages-*kB; do
    [ -d "$p" ] || continue
    n=${p#/sys/devices/system/node/node}
    n=${n%%/*}
    s=${p##*/hugepages-}
    s=${s%kB}
    printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$s" "$(val "$p/nr_hugepages")" "$(val "$p/free_hugepages")" "$(val "$p/surplus_hugepages")" >> "$huge"
done
printf 'run\t0\tsysfs/hugepages.tsv\tread /sys/devices/system/node/node*/hugepages/*\n' >> "$manifest"

# sysfs: mediated-device types (Documentation/driver-api/vfio-mediated-device.rst)
mdev="$b/sysfs/mdev.tsv"
printf 'parent\ttype\tname\tavailable_instances\n' > "$mdev"
for t in /sys/class/mdev_bus/*/mdev_supported_types/*; do
    [ -d "$t" ] || continue
    parent=${t#/sys/class/mdev_bus/}
    parent=${parent%%/*}
    printf '%s\t%s\t%s\t%s\n' "$parent" "${t##*/}" "$(val "$t/name")" "$(val "$t/available_instances")" >> "$mdev"
done
printf 'run\t0\tsysfs/mdev.tsv\tread /sys/class/mdev_bus/*/mdev_supported_types/*\n' >> "$manifest"

run proc/cmdline cat /proc/cmdline

out="$work/vmtopo-bundle.tar"
if tar -cf "$out" -C "$work" bundle; then
    rm -rf "$b"
    printf '%s\n' "$out"
else
    echo "vmtopo-collect: tar failed; the files are in $b" >&2
    exit 1
fi
