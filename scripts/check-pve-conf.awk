# Checks the form of a Proxmox VE VM configuration (what `vmtopo export proxmox` writes): every line a
# `#` comment (the VM's notes) or `key: value` with a key of Proxmox's form (`name`, `hostpci3`), no
# key twice, and the file ends with its keys (a file cut short in its notes does not). Exit status 0
# when it fits, 1 otherwise (each problem on stderr). Each key and value is checked against Proxmox's
# API schema by scripts/check-pve-conf.mjs (in the tests: test/features/export/proxmox.test.ts).
#   awk -f scripts/check-pve-conf.awk FILE...
function ending() {
    if (last != "key") { print file ": does not end with a key line (cut short?)" > "/dev/stderr"; bad = 1 }
}
FNR == 1 { if (NR > 1) ending(); split("", seen); file = FILENAME; last = "" }
/^#/ { last = "comment"; next }
/^[a-z][a-z0-9_-]*: [^ ]/ {
    key = substr($0, 1, index($0, ":") - 1)
    if (key in seen) { print FILENAME ":" FNR ": " key " twice" > "/dev/stderr"; bad = 1 }
    seen[key] = 1; last = "key"; next
}
{ print FILENAME ":" FNR ": not a comment or key: value: " $0 > "/dev/stderr"; bad = 1 }
END { ending(); exit bad }
