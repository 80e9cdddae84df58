#!/usr/bin/env bash
# Builds test/grafana-host/bin/grafana-host offline from Debian 12 packages: installs the packages when missing
# (apt-get, as root or with sudo), generates the pluginv2 Go code with protoc and compiles in GOPATH mode
# against /usr/share/gocode (no Go modules, no proxy, no network). Prints the binary's path as its last line.
# The protocol is the plugin's own: pkg/grafana/proto/pluginv2.proto, the file the backend serves (its go_package
# option is for this build).
# Does nothing but that when the binary is newer than its sources; `rm -rf test/grafana-host/bin` forces a build.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$DIR/bin"
BIN="$OUT/grafana-host"
PROTO_DIR="$(cd "$DIR/../../pkg/grafana/proto" && pwd)"

if [ -x "$BIN" ] && [ -z "$(find "$DIR/main.go" "$PROTO_DIR/pluginv2.proto" "$DIR/build.sh" -newer "$BIN")" ]; then
  echo "$BIN"
  exit 0
fi

# golang-github-golang-protobuf-1-5-dev instead of the 1-3 package that golang-google-grpc-dev pulls in by
# default: code from Debian's protoc-gen-go compiles against 1.3 but fails at run time.
PACKAGES=(
  golang-go
  golang-github-hashicorp-go-plugin-dev
  golang-github-hashicorp-go-hclog-dev
  golang-github-hashicorp-yamux-dev
  golang-github-oklog-run-dev
  golang-github-mitchellh-go-testing-interface-dev
  golang-google-grpc-dev
  golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev
  golang-golang-x-net-dev
  protobuf-compiler
  protoc-gen-go
  protoc-gen-go-grpc
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build.sh: apt-get install ${missing[*]}" >&2
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${missing[@]}" >&2
fi

# The generated package lives in a private GOPATH in bin/ (git-ignored): grafana-host/pluginv2.
rm -rf "$OUT/gopath/src/grafana-host"
mkdir -p "$OUT/gopath/src"
protoc -I "$PROTO_DIR" --go_out="$OUT/gopath/src" --go-grpc_out="$OUT/gopath/src" "$PROTO_DIR/pluginv2.proto"

export GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$OUT/gopath:/usr/share/gocode"
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}${XDG_CACHE_HOME:-}" ]; then
  export GOCACHE="$OUT/gocache"
fi
(cd "$DIR" && go build -o "$BIN.tmp" . && mv "$BIN.tmp" "$BIN")
echo "build.sh: built with $(go version | cut -d' ' -f3), go-plugin $(dpkg-query -W -f='${Version}' golang-github-hashicorp-go-plugin-dev)" >&2
echo "$BIN"
