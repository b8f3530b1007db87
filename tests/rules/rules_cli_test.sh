#!/usr/bin/env bash
# End-to-end: `ksight rules validate|fields|list` and `ksight detect` (replay,
# file output, SIGHUP reload, bad reload keeps the old rules).
#   rules_cli_test.sh KSIGHT_BIN SOURCE_DIR WORK_DIR
set -euo pipefail
ksight="$1"; src="$2"; work="$3/rules_cli.$$"
mkdir -p "$work"
detect_pid=""
cleanup() {
  if [ -n "$detect_pid" ]; then kill "$detect_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Waits (up to 20 s) until FILE contains PATTERN: the condition is another
# process's output, which we can only observe by looking.
wait_for() {
  local file="$1" pattern="$2" deadline=$((SECONDS + 20))
  until grep -q -- "$pattern" "$file" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "timed out waiting for '$pattern' in $file"
    sleep 0.05
  done
}

# validate: the default ruleset is clean
out=$("$ksight" rules validate "$src/rules/ksight_rules.yaml")
[[ "$out" == ok:*"25 rules"* ]] || [[ "$out" == ok:* ]] || fail "validate default: $out"

# validate: an error points at file:line:col with the source line and a caret
cat > "$work/bad.yaml" <<'YAML'
- rule: Bad
  desc: d
  condition: evt.type = execve and proc.nmae = bash
  output: o
  priority: WARNING
YAML
# (an unknown field skips the rule with a warning; --strict fails on it)
"$ksight" rules validate "$work/bad.yaml" > "$work/out.txt" 2>&1 || fail "non-strict: $(cat "$work/out.txt")"
grep -q "1 skipped" "$work/out.txt" || fail "skipped count: $(cat "$work/out.txt")"
if "$ksight" rules validate --strict "$work/bad.yaml" 2> "$work/err.txt"; then fail "--strict passed"; fi
grep -q "bad.yaml:3:36: warning: unknown field 'proc.nmae': rule 'Bad' skipped" "$work/err.txt" ||
  fail "$(cat "$work/err.txt")"
grep -q "^  *\^$" "$work/err.txt" || fail "no caret: $(cat "$work/err.txt")"
printf -- '- rule: R\n  desc: d\n  condition: evt.type = execve and (proc.name = a\n  output: o\n  priority: INFO\n' > "$work/syntax.yaml"
if "$ksight" rules validate "$work/syntax.yaml" 2> "$work/err.txt"; then fail "syntax error validated"; fi
grep -q "syntax.yaml:3:50: error: expected ')'" "$work/err.txt" || fail "$(cat "$work/err.txt")"

# validate: a Falco-style file loads; skipped rules are a summary, not a failure
data="$src/tests/rules/data"
"$ksight" rules validate "$data/falco_style_rules.yaml" "$data/falco_style_local.yaml" \
  > "$work/out.txt" 2> "$work/err.txt" || fail "falco style: $(cat "$work/err.txt")"
grep -q "^ok: 8 rules loaded (7 enabled), 5 skipped" "$work/out.txt" || fail "$(cat "$work/out.txt")"
grep -q "^skipped 1: needs fields ksight has no data for" "$work/out.txt" || fail "$(cat "$work/out.txt")"
grep -q "^  Namespace Change (evt.type = setns) at .*falco_style_rules.yaml:95:14" "$work/out.txt" ||
  fail "$(cat "$work/out.txt")"
[ "$(grep -c ': warning: ' "$work/err.txt")" -eq 5 ] || fail "one warning per skip: $(cat "$work/err.txt")"
if "$ksight" rules validate --strict "$data/falco_style_rules.yaml" 2>/dev/null; then
  fail "--strict passed with skipped rules"
fi

# fields --markdown is docs/fields.md; list shows the default rules
"$ksight" rules fields --markdown | diff -q - "$src/docs/fields.md" >/dev/null || fail "fields.md stale"
"$ksight" rules list | grep -q "Fileless Execution Via Memfd" || fail "rules list"

# detect on the recorded mix: the six attacks, as Falco JSON lines
"$ksight" detect --replay "$src/tests/rules/data/event_mix.jsonl" --output "file:$work/alerts.jsonl" 2>/dev/null
[ "$(wc -l < "$work/alerts.jsonl")" -eq 6 ] || fail "expected 6 alerts: $(cat "$work/alerts.jsonl")"
python3 - "$work/alerts.jsonl" <<'PY' || fail "alert schema"
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    assert set(a) == {"time", "rule", "priority", "source", "hostname", "output", "output_fields", "tags"}, a
    assert a["source"] == "syscall" and a["time"].endswith("Z") and len(a["time"]) == 30, a["time"]
PY

# SIGHUP: reload picks up a changed rules file; a broken one keeps the old rules
cat > "$work/live.yaml" <<'YAML'
- rule: Cat Ran
  desc: d
  condition: evt.type = execve and proc.name = cat
  output: "cat ran %proc.pid"
  priority: NOTICE
YAML
mkfifo "$work/events"
"$ksight" detect --replay - --rules "$work/live.yaml" --output "file:$work/live.jsonl" \
  < "$work/events" 2> "$work/detect.log" &
detect_pid=$!
exec 3> "$work/events"
ev() { echo "{\"type\":\"execve\",\"ts\":$2,\"proc\":{\"pid\":$2,\"comm\":\"$1\"}}" >&3; }
ev cat 1
wait_for "$work/live.jsonl" '"Cat Ran"'
sed -i 's/proc.name = cat/proc.name = dog/; s/Cat Ran/Dog Ran/' "$work/live.yaml"
kill -HUP "$detect_pid"
ev ls 2  # wakes the reader; the reload happens before the next line
wait_for "$work/detect.log" "rules reloaded"
ev cat 3
ev dog 4
wait_for "$work/live.jsonl" '"Dog Ran"'
grep -q '"proc.pid":3' "$work/live.jsonl" && fail "cat alerted after the reload"
echo "- rule: [broken" > "$work/live.yaml"
kill -HUP "$detect_pid"
ev ls 5
wait_for "$work/detect.log" "reload failed, keeping the current rules"
ev dog 6
wait_for "$work/live.jsonl" '"proc.pid":6'
exec 3>&-
wait "$detect_pid" || fail "detect exit status"
detect_pid=""
echo "rules_cli: ok"
