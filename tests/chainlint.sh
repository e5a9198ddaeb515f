#!/bin/sh
# chainlint.sh [FILE...] - refuse test scripts whose checks can pass without
# asserting everything they claim, like git's test-lib chain-lint. check,
# jqcheck and expect assert one command; in `check "d" [ A ] && [ B ]` the
# shell runs B after check has already printed "ok", so B false still
# passes. Flagged: a check line (continuation lines joined) with &&, || or
# a pipe outside quotes and $(...), and an ok/nok/check that only runs when
# an earlier command succeeds (`[ A ] && ok "d"` vanishes instead of failing).
# Prints file:line: and the line for each, and exits 1 when any is found.
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- tests/api/*.sh
awk '
function flush(   i, c, d, q, depth, top, rest) {
    if (logical == "") return
    # the command word of the logical line
    rest = logical
    sub(/^[ \t]+/, "", rest)
    if (rest ~ /^(check|jqcheck|expect)[ \t]/) {
        q = ""; depth = 0
        for (i = 1; i <= length(rest); i++) {
            c = substr(rest, i, 1); d = substr(rest, i, 2)
            if (q == "\x27") { if (c == "\x27") q = ""; continue }
            if (c == "\\") { i++; continue }
            if (q == "\"" && depth == 0) {
                if (d == "$(") { depth++; i++ } else if (c == "\"") q = ""
                continue
            }
            if (depth > 0) {
                if (c == "\x27") { q2 = 1; while (i < length(rest) && substr(rest, ++i, 1) != "\x27"); continue }
                if (d == "$(") { depth++; i++ } else if (c == "(") depth++; else if (c == ")") depth--
                continue
            }
            if (c == "\"" || c == "\x27") { q = c; continue }
            if (d == "$(") { depth++; i++; continue }
            if (c == "#" && (i == 1 || substr(rest, i - 1, 1) ~ /[ \t]/)) break
            if (d == "&&" || d == "||" || c == "|") {
                printf "%s:%d: a check followed by a command it does not assert: %s\n", FILENAME, start, logical
                bad++
                break
            }
        }
    } else if (rest ~ /(&&|\|\|)[ \t]*(ok|nok|check|jqcheck|expect)[ \t]/ && rest !~ /^(if|while|until)[ \t]/) {
        printf "%s:%d: a check that is skipped, not failed, when the command before it fails: %s\n", FILENAME, start, logical
        bad++
    }
    logical = ""
}
FNR == 1 { flush() }
{
    line = $0
    if (logical == "") start = FNR
    logical = logical (logical == "" ? "" : " ") line
    if (line ~ /\\$/) { sub(/\\$/, "", logical); next }
    if (line ~ /(&&|\|\||\|)[ \t]*$/) next
    flush()
}
END { flush(); exit bad ? 1 : 0 }
' "$@"
