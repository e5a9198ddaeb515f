#!/bin/sh
# t0150-cli-options.sh - the typed option parser (src/cli/cli.c): numbers,
# ranges and word lists are checked once, before a command opens anything,
# and every refusal is one line naming the option, exit status 2.
. "$(dirname "$0")/lib.sh"

# refuse OUTPUT ARGS...: the command exits 2 with exactly one line, and that
# line is OUTPUT (the command name, the option, the value, the rule).
refuse() {
    want=$1; shift
    "$BIN" "$@" >"$T/out" 2>&1; st=$?
    check "$* exits 2 (exit $st)" [ $st -eq 2 ]
    check "$*: one line" [ "$(wc -l <"$T/out")" -eq 1 ]
    check "$*: says '$want'" grep -qF -- "$want" "$T/out"
}

# numbers that are not numbers, or not finite
refuse "--arrivals 'nan' must be a number" sim erlang --arrivals nan --los 3
refuse "--los 'inf' must be a number" sim erlang --arrivals 3 --los inf
refuse "--arrivals '1e999' must be a number" sim erlang --arrivals 1e999 --los 3
refuse "--los '3x' must be a number" sim erlang --arrivals 3 --los 3x
# ranges
refuse "--target-prob '1' must be from 0.0001 to 0.9999" sim erlang --arrivals 3 --los 3 --target-prob 1
refuse "--reps '0' must be a whole number from 1 to 10000" sim x.json --reps 0
refuse "--limit '99999999999999999999' must be a whole number from 1 to 1000000" waitlist show --limit 99999999999999999999
refuse "--age '131' must be a whole number from 0 to 130" route --needs falls --age 131
refuse "--lat '91' must be from -90 to 90" route --needs falls --age 80 --lat 91 --lon 0
refuse "--pace '1.5' must be from 0 to 1" analyse allocation --pace 1.5
refuse "--stale-hours '0' must be a whole number from 1 to 720" beds board --stale-hours 0
refuse "--quantity '1e3' must be a whole number from 1 to 1000" sitrep aid request --quantity 1e3
refuse "--declared-level '5' must be a whole number from 1 to 4" sitrep submit --org X --declared-level 5
# word lists, said in words
refuse "--format 'xml' is not text, json or csv" sim x.json --format xml
refuse "--priority '5' is not 1, 2, 3 or 4" waitlist show --priority 5
refuse "--by 'borough' is not trust, place or imd" waitlist equity --by borough
refuse "--statistic 'median' is not dsr, crude or isr" analyse rates --statistic median
refuse "--kind 'odds' is not proportion, ratio or rate" analyse funnel --points x.csv --kind odds
refuse "--policy 'nearest' is not pooled, borough or both" beds match --policy nearest
# multibyte and invalid UTF-8 values are refused whole, not cut
refuse "is not text, json or csv" analyse rates --format "$(printf 'j\303\251son')"
refuse "must be a whole number" waitlist show --limit "$(printf '\377\376')"
# a value given with = is checked the same way
refuse "--reps '-3' must be a whole number from 1 to 10000" sim x.json --reps=-3
# a refused option never touched the database it named
check "no database file was created" [ ! -e "$T/never.db" ]
"$BIN" waitlist show --db "$T/never.db" --priority 9 >/dev/null 2>&1
check "still none after a refused waitlist show" [ ! -e "$T/never.db" ]

# accepted values reach the command: Erlang C for 10 a day x 3 days on 35 beds
"$BIN" sim erlang --arrivals 10 --los 3 --beds 35 >"$T/out" 2>&1; st=$?
check "sim erlang with good options exits 0" [ $st -eq 0 ]
check "offered load 30 beds on 35" grep -q "offered load 30.000 beds (10.000 a day x 3.000 days), 35 beds" "$T/out"
"$BIN" sim erlang --arrivals=10 --los=3 --target-days=1 --target-prob=0.1 >"$T/out" 2>&1
check "= form accepted for numbers" grep -q "P(wait > 1 days) < 0.1" "$T/out"
"$BIN" sim --help >"$T/out" 2>&1
check "help lists the typed option with its placeholder" grep -q "^  --reps N  replications" "$T/out"
finish
