#!/usr/bin/env bash
# Builds TailnetFFI.xcframework (static libtailnet_uniffi.a + TailnetFFI.h, TailnetCoreFFI.h, module.modulemap) for
# macOS (arm64 + x86_64), iOS devices and the iOS simulator, then runs `swift test`.
# Runs on macOS with Xcode and rustup only (xcodebuild, lipo). On Linux use run-swift-tests.sh.
#
#   bash bindings-swift/swift/build-xcframework.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/workspace.sh
# The uniffi-generated Swift sources, header and module map (build outputs, copied into Sources/).
bash bindings-swift/generate.sh
targets=(aarch64-apple-darwin x86_64-apple-darwin aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
rustup target add "${targets[@]}"
for target in "${targets[@]}"; do
  # The profile scripts/package.sh ships and bindings-swift/measure.sh measures (Cargo.toml).
  cargo build -p tailnet-uniffi --profile release-mobile --target "$target"
done
work="$(mktemp -d)"
mkdir -p "$work/macos" "$work/ios-sim" "$work/headers"
lipo -create target/aarch64-apple-darwin/release-mobile/libtailnet_uniffi.a target/x86_64-apple-darwin/release-mobile/libtailnet_uniffi.a \
  -output "$work/macos/libtailnet_uniffi.a"
lipo -create target/aarch64-apple-ios-sim/release-mobile/libtailnet_uniffi.a target/x86_64-apple-ios/release-mobile/libtailnet_uniffi.a \
  -output "$work/ios-sim/libtailnet_uniffi.a"
# Both namespaces' headers (the binding's and the core's) and the one module map over them.
cp "$(cargo_target_dir)"/uniffi/swift/*.h "$(cargo_target_dir)/uniffi/swift/module.modulemap" "$work/headers/"
rm -rf bindings-swift/swift/TailnetFFI.xcframework
xcodebuild -create-xcframework \
  -library "$work/macos/libtailnet_uniffi.a" -headers "$work/headers" \
  -library target/aarch64-apple-ios/release-mobile/libtailnet_uniffi.a -headers "$work/headers" \
  -library "$work/ios-sim/libtailnet_uniffi.a" -headers "$work/headers" \
  -output bindings-swift/swift/TailnetFFI.xcframework
# The end-to-end XCTests start the fake tailnet (built for the host).
cargo build -p fake-tailnet
export TAILNET_FAKE_BIN="$PWD/target/debug/fake-tailnet" TAILNET_FIXTURES="$PWD/tests/fixtures"
(cd bindings-swift/swift && swift test)
