#!/bin/sh
# Regenerates Sources/VigilRemoteWrite/Generated/remote.pb.swift from protos/prometheus/remote.proto.
# Needs protoc (Debian: protobuf-compiler) and swift-protobuf's protoc-gen-swift 1.39 or later: on PATH, or
# named by PROTOC_GEN_SWIFT (build it with `swift build -c release --product protoc-gen-swift` in a checkout
# of apple/swift-protobuf).
set -eu
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
    echo "protoc-gen-swift not found: put it on PATH or set PROTOC_GEN_SWIFT" >&2
    exit 1
fi
out=Sources/VigilRemoteWrite/Generated
mkdir -p "$out"
protoc --proto_path=protos \
    --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=Visibility=Internal \
    --swift_opt=FileNaming=DropPath \
    --swift_out="$out" \
    prometheus/remote.proto
echo "wrote $out/remote.pb.swift"
