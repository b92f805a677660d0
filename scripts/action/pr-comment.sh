#!/usr/bin/env bash
# Creates or updates this job's one comment on the pull request with the Markdown file $1.
# The comment is found again by a hidden marker naming the job, so each run edits it in place
# instead of adding another. Needs curl and jq (both on GitHub's runners), GITHUB_TOKEN,
# GITHUB_REPOSITORY and GITHUB_EVENT_PATH; GITHUB_API_URL defaults to https://api.github.com.
set -euo pipefail

body_file="$1"
event="${GITHUB_EVENT_PATH:-}"
if [ -z "$event" ] || [ ! -f "$event" ]; then
  echo "pr-comment: no event file (GITHUB_EVENT_PATH): not commenting" >&2
  exit 0
fi
number="$(jq -r '.pull_request.number // empty' "$event")"
if [ -z "$number" ]; then
  echo "pr-comment: not a pull request event: not commenting" >&2
  exit 0
fi
: "${GITHUB_TOKEN:?pr-comment needs GITHUB_TOKEN (the action passes github.token)}"
: "${GITHUB_REPOSITORY:?pr-comment needs GITHUB_REPOSITORY (owner/name)}"
api="${GITHUB_API_URL:-https://api.github.com}"
marker="<!-- backendctl-action:${GITHUB_JOB:-job} -->"
body="$(printf '%s\n%s' "$marker" "$(cat "$body_file")")"
# GitHub refuses comments over 65,536 characters.
if [ "${#body}" -gt 65000 ]; then
  body="${body:0:64000}"$'\n\n… (cut: the job summary has it all)'
fi

call() {
  curl --silent --show-error --fail-with-body --location \
    -H "Authorization: Bearer $GITHUB_TOKEN" \
    -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" \
    -H "Expect:" \
    "$@"
}

comments="$(call "$api/repos/$GITHUB_REPOSITORY/issues/$number/comments?per_page=100")"
existing="$(jq -r --arg marker "$marker" \
  '[.[] | select(.body | startswith($marker))][0].id // empty' <<<"$comments")"
payload="$(jq -n --arg body "$body" '{body: $body}')"
if [ -n "$existing" ]; then
  call -X PATCH "$api/repos/$GITHUB_REPOSITORY/issues/comments/$existing" -d "$payload" >/dev/null
  echo "pr-comment: updated comment $existing on #$number" >&2
else
  call -X POST "$api/repos/$GITHUB_REPOSITORY/issues/$number/comments" -d "$payload" >/dev/null
  echo "pr-comment: commented on #$number" >&2
fi
