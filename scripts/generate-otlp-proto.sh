#!/bin/sh
# Regenerates Sources/VigilOTLP/Generated/*.pb.swift from protos/ (Vigil's own subset of the OTLP logs protos).
#
# Needs protoc (Debian: protobuf-compiler) and swift-protobuf's protoc-gen-swift, built from the same
# swift-protobuf release as Package.swift uses (`swift build -c release --product protoc-gen-swift` in a
# checkout of apple/swift-protobuf). The plugin is taken from $PROTOC_GEN_SWIFT, else from PATH.
set -eu
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
    echo "protoc-gen-swift not found: put it on PATH or set PROTOC_GEN_SWIFT" >&2
    exit 1
fi
out=Sources/VigilOTLP/Generated
mkdir -p "$out"
rm -f "$out"/*.pb.swift
protoc --proto_path=protos \
    --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=FileNaming=PathToUnderscores \
    --swift_opt=Visibility=Internal \
    --swift_out="$out" \
    protos/opentelemetry/proto/common/v1/common.proto \
    protos/opentelemetry/proto/resource/v1/resource.proto \
    protos/opentelemetry/proto/logs/v1/logs.proto \
    protos/opentelemetry/proto/collector/logs/v1/logs_service.proto \
    protos/google/rpc/status.proto
echo "generated: $(ls "$out")"
