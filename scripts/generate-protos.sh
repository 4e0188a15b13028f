#!/bin/sh
# Regenerates the committed Swift code of Vigil's own protobuf subsets in protos/:
#   protos/prometheus/remote.proto        -> Sources/VigilRemoteWrite/Generated/remote.pb.swift  (remote write 1.0)
#   protos/opentelemetry/…, google/rpc/…  -> Sources/VigilOTLP/Generated/*.pb.swift             (OTLP logs)
# Needs protoc (Debian: protobuf-compiler) and swift-protobuf's protoc-gen-swift from the same swift-protobuf release
# as Package.swift (`swift build -c release --product protoc-gen-swift` in a checkout of apple/swift-protobuf), on
# PATH or named by PROTOC_GEN_SWIFT. The build never runs this: the generated files are committed.
set -eu
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
    echo "protoc-gen-swift not found: put it on PATH or set PROTOC_GEN_SWIFT" >&2
    exit 1
fi
generate() {   # OUT_DIR FILE_NAMING PROTO...
    out=$1 naming=$2; shift 2
    mkdir -p "$out"
    rm -f "$out"/*.pb.swift
    protoc --proto_path=protos --plugin=protoc-gen-swift="$plugin" \
        --swift_opt=Visibility=Internal --swift_opt=FileNaming="$naming" --swift_out="$out" "$@"
    echo "generated in $out: $(cd "$out" && ls | tr '\n' ' ')"
}
generate Sources/VigilRemoteWrite/Generated DropPath prometheus/remote.proto
generate Sources/VigilOTLP/Generated PathToUnderscores \
    opentelemetry/proto/common/v1/common.proto \
    opentelemetry/proto/resource/v1/resource.proto \
    opentelemetry/proto/logs/v1/logs.proto \
    opentelemetry/proto/collector/logs/v1/logs_service.proto \
    google/rpc/status.proto
