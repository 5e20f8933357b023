# Checks a VMware ESXi .vmx fragment (what `vmtopo export vmx` writes): every line is a `#` comment or
# `key = "value"` (the .vmx syntax), and the file ends with its keys (a file cut short does not).
# Exit status 0 when it fits, 1 otherwise (each bad line on stderr). Keys and value types are checked
# against vmtopo's key table (VMX_KEYS, language/src/features/export/vmx.ts) by test/features/export/vmx.test.ts.
#   awk -f scripts/check-vmx.awk FILE...
!/^(#.*|[A-Za-z][A-Za-z0-9_.]* = "[^"]*")$/ { print FILENAME ":" FNR ": not a comment or key = \"value\": " $0 > "/dev/stderr"; bad = 1 }
function ending() {
    if (last !~ / = "/) { print file ": does not end with a key line (cut short?)" > "/dev/stderr"; bad = 1 }
}
FNR == 1 { if (NR > 1) ending(); file = FILENAME }
{ last = $0 }
END { ending(); exit bad }
