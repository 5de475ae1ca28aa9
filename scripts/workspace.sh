# Sourced by the build and packaging scripts: facts of the Cargo workspace, read one way.
#   workspace_version   the version under [workspace.package] in Cargo.toml (every artifact's)
#   cargo_target_dir    cargo's target folder (CARGO_TARGET_DIR or <workspace>/target)
# Both expect the workspace root as the current directory.

workspace_version() {
  local version
  version="$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"$/\1/p' Cargo.toml)"
  [ -n "$version" ] || { echo "no [workspace.package] version in Cargo.toml" >&2; return 1; }
  echo "$version"
}

cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
}
