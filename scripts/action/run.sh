#!/usr/bin/env bash
# The GitHub Action's work (action.yml at the repository root runs it), runnable anywhere:
# runs one backendctl command with annotations on the manifest's lines, writes the job summary,
# sets the step's outputs, optionally creates or updates one pull-request comment, and exits
# with backendctl's exit code.
#
# Inputs (environment, as action.yml passes them):
#   INPUT_COMMAND            backendctl arguments, split on spaces (default: apply --yes)
#   INPUT_MANIFEST           the manifest (default: backend.kdl), relative to the current directory
#   INPUT_PR_COMMENT         true: on a pull request, create or update one comment (default: false)
#   INPUT_ANNOTATIONS_LIMIT  at most this many annotations (default: 50)
#   BACKENDCTL               the program (default: backendctl on PATH)
# GitHub's: GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
# GITHUB_API_URL, GITHUB_TOKEN, GITHUB_WORKSPACE, GITHUB_JOB, RUNNER_TEMP; each is optional.
set -uo pipefail

command_line="${INPUT_COMMAND:-apply --yes}"
manifest="${INPUT_MANIFEST:-backend.kdl}"
pr_comment="${INPUT_PR_COMMENT:-false}"
limit="${INPUT_ANNOTATIONS_LIMIT:-50}"
backendctl="${BACKENDCTL:-backendctl}"

case "$limit" in
  '' | *[!0-9]*)
    echo "::error title=backendctl action::annotations-limit must be a whole number, not '$limit'"
    exit 64
    ;;
esac
case "$pr_comment" in
  true | false) ;;
  *)
    echo "::error title=backendctl action::pr-comment must be true or false, not '$pr_comment'"
    exit 64
    ;;
esac

work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/backendctl-action.XXXXXX")"
read -r -a args <<<"$command_line"
if [ "${#args[@]}" -eq 0 ]; then
  echo "::error title=backendctl action::the command input is empty"
  exit 64
fi

# Annotations where the command can write them, unless the command chose its own format.
subcommand="${args[0]}"
[ "$subcommand" = migrate ] && subcommand="migrate ${args[1]:-}"
chose_format=false
for arg in "${args[@]}"; do
  case "$arg" in --json | --format | --format=*) chose_format=true ;; esac
done
case "$subcommand" in
  validate | plan | apply | "migrate lint")
    if [ "$chose_format" = false ]; then
      args+=(--format github --annotations-limit "$limit")
    fi
    ;;
esac
# apply's reports go to a directory of the action's own (the report-dir output names it).
report_root=""
if [ "$subcommand" = apply ]; then
  report_root="$work/runs"
  has_report_dir=false
  for arg in "${args[@]}"; do
    case "$arg" in --report-dir | --report-dir=*) has_report_dir=true ;; esac
  done
  [ "$has_report_dir" = false ] && args+=(--report-dir "$report_root")
fi

# backendctl appends each scenario's Markdown summary to $GITHUB_STEP_SUMMARY; it goes to a file
# of ours, under the action's own heading.
scenarios_md="$work/scenarios.md"
: >"$scenarios_md"
annotations="$work/annotations.txt"
log="$work/output.txt"

echo "backendctl -f $manifest ${args[*]}" >&2
# stdout (annotations) to a file, stderr (the text) to the log as it comes.
# The token is for the pull-request comment alone: not for the services apply starts.
{ env -u GITHUB_TOKEN GITHUB_STEP_SUMMARY="$scenarios_md" "$backendctl" -f "$manifest" "${args[@]}" 2>&1 1>&3 3>&- | tee "$log" >&2; } 3>"$annotations"
code="${PIPESTATUS[0]}"
# The annotations, for GitHub to read from this step's log.
cat "$annotations"

case "$code" in
  0) verdict="✅ passed" ;;
  1) verdict="❌ failed" ;;
  2) verdict="📝 changes to apply" ;;
  3) verdict="❌ invalid manifest" ;;
  64) verdict="❌ usage error" ;;
  99) verdict="❌ threshold breached" ;;
  129 | 130 | 143) verdict="⏹ stopped" ;;
  *) verdict="❌ exit $code" ;;
esac

report_dir=""
if [ -n "$report_root" ] && [ -e "$report_root/latest" ]; then
  if [ -L "$report_root/latest" ]; then
    report_dir="$(cd "$report_root/latest" && pwd -P)"
  else
    report_dir="$report_root/$(cat "$report_root/latest")"
  fi
fi

# Undoes GitHub's workflow-command escaping (%25 last, so escapes survive).
unescape() {
  local text="$1"
  text="${text//%0A/$'\n'}"
  text="${text//%0D/}"
  text="${text//%3A/:}"
  text="${text//%2C/,}"
  printf '%s' "${text//%25/%}"
}

# One Markdown line per annotation: **file:line** title.
annotation_list() {
  local line level rest properties title file at property
  while IFS= read -r line; do
    case "$line" in ::error* | ::warning* | ::notice*) ;; *) continue ;; esac
    rest="${line#::}"
    level="${rest%% *}"
    rest="${rest#"$level"}"
    rest="${rest# }"
    properties="${rest%%::*}"
    title=""
    file=""
    at=""
    IFS=',' read -r -a props <<<"$properties"
    for property in "${props[@]}"; do
      case "$property" in
        file=*) file="$(unescape "${property#file=}")" ;;
        line=*) at=":${property#line=}" ;;
        title=*) title="$(unescape "${property#title=}")" ;;
      esac
    done
    case "$level" in
      error) level="❌" ;;
      warning) level="⚠️" ;;
      *) level="ℹ️" ;;
    esac
    if [ -n "$file" ]; then
      printf -- '- %s **%s%s** %s\n' "$level" "$file" "$at" "$title"
    else
      printf -- '- %s %s\n' "$level" "$title"
    fi
  done <"$annotations"
}

summary="$work/summary.md"
{
  printf '## backendctl `%s`: %s\n\n' "$command_line" "$verdict"
  # The command's own one-line outcome, when it printed one.
  last="$(grep -E '^Apply|Plan: | is valid: |^[0-9]+ finding\(s\)$|^no findings' "$log" | tail -n 1)"
  [ -n "$last" ] && printf '%s\n\n' "$last"
  problems="$(annotation_list)"
  if [ -n "$problems" ]; then
    printf '%s\n\n' "$problems"
  fi
  if [ -s "$scenarios_md" ]; then
    cat "$scenarios_md"
    printf '\n'
  fi
  if [ -n "$report_dir" ]; then
    printf 'Reports: `%s`\n\n' "${report_dir##*/}"
  fi
  printf '<details><summary>Output (last 40 lines)</summary>\n\n```\n'
  tail -n 40 "$log"
  printf '```\n\n</details>\n'
} >"$summary"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "report-dir=$report_dir"
  } >>"$GITHUB_OUTPUT"
fi

# One comment per job on the pull request, found again by its hidden marker and edited in place.
if [ "$pr_comment" = true ]; then
  "$(dirname "$0")/pr-comment.sh" "$summary" || echo "::warning title=backendctl action::the pull-request comment could not be written (see above)"
fi

exit "$code"
