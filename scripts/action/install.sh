#!/usr/bin/env bash
# Installs backendctl for the action (action.yml), then puts it on the job's PATH.
#   INPUT_VERSION        latest (default), a release tag (v0.2.0), or `path`: build this checkout
#   ACTION_REPOSITORY    owner/name the action came from (github.action_repository)
#   ACTION_PATH          the action's checkout (github.action_path)
# A released binary comes from the repository's GitHub release through the installer cargo-dist
# publishes with it (`backendctl-installer.sh`); without a release, `cargo install --locked`
# builds it from the repository at that tag (or its default branch for `latest`).
set -euo pipefail

version="${INPUT_VERSION:-latest}"
repository="${ACTION_REPOSITORY:-${GITHUB_REPOSITORY:-}}"
action_path="${ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}"
bin_dir="${CARGO_HOME:-$HOME/.cargo}/bin"

on_path() {
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$bin_dir" >>"$GITHUB_PATH"
  fi
  export PATH="$bin_dir:$PATH"
  backendctl --version
}

if [ "$version" = path ] || [ -z "$repository" ]; then
  echo "building backendctl from $action_path"
  # One target directory for the job, so a second use of the action builds nothing again.
  CARGO_TARGET_DIR="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/backendctl-target" \
    cargo install --locked --path "$action_path" --root "${CARGO_HOME:-$HOME/.cargo}"
  on_path
  exit 0
fi

if [ "$version" = latest ]; then
  installer="https://github.com/$repository/releases/latest/download/backendctl-installer.sh"
else
  installer="https://github.com/$repository/releases/download/$version/backendctl-installer.sh"
fi
script="$(mktemp)"
if curl --proto '=https' --tlsv1.2 --silent --fail --location "$installer" -o "$script"; then
  echo "installing the released backendctl ($version) from $installer"
  # cargo-dist's installers put the binary in $CARGO_HOME/bin (its default install-path);
  # the job's PATH is set below, not the shell profile.
  INSTALLER_NO_MODIFY_PATH=1 sh "$script"
else
  echo "no released backendctl for '$version' in $repository: building it with cargo install"
  if [ "$version" = latest ]; then
    cargo install --locked --git "https://github.com/$repository" backendctl
  else
    cargo install --locked --git "https://github.com/$repository" --tag "$version" backendctl
  fi
fi
on_path
