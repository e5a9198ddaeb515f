#!/bin/sh
# t1620-reports.sh - the board pack and the daily call sheet as PDF, from
# the CLI and over HTTP: the text read back with pdftotext and checked
# against the API's own figures, every page rendered with pdftoppm, dated,
# paginated, sources and "SYNTHETIC" marked; bad dates refused (exit 2,
# 422) and the roles (clinicians 403).
. "$(dirname "$0")/lib.sh"
start_server
EXEC=$(mktoken exec executive)
OPS=$(mktoken ops trust_ops RYJ)
CLIN=$(mktoken clin clinician RRU)
today=$(date -u +%Y-%m-%d)

# ---- the board pack from the command line ---------------------------------------
"$BIN" report board --pdf "$T/board.pdf" --db "$DB" >"$T/cli.out" 2>"$T/cli.err"
st=$?
check "report board exits 0 ($st: $(head -c 200 "$T/cli.err"))" [ "$st" -eq 0 ]
check "the CLI says the figures include synthetic ones" grep -q "SYNTHETIC" "$T/cli.out"
pages=$(pdfinfo "$T/board.pdf" | awk '/^Pages:/ { print $2 }')
check "the board pack has several pages ($pages)" [ "${pages:-0}" -ge 4 ]
pdftotext -layout "$T/board.pdf" "$T/board.txt"
check "the title is real text" grep -q "Integrated care system board pack" "$T/board.txt"
for s in "1. System pressure" "2. Community beds" "3. Urgent community response" "4. Waits and equity" \
    "5. Non-elective admissions" "6. Finance" "7. Accountability" "8. Priorities" "Sources"; do
    check "section '$s' is in the text" grep -q "$s" "$T/board.txt"
done
check "the last page is numbered 'page $pages'" grep -q "page $pages\$" "$T/board.txt"
check "every page's footer is dated today ($today)" \
    [ "$(grep -c "generated $today" "$T/board.txt")" -ge "$pages" ]
check "synthetic figures are marked on every page" \
    [ "$(grep -c "contains" "$T/board.txt")" -ge "$pages" ]

api GET /api/v1/finance/summary "$EXEC"
acute=$(jq -r '.spend.acute_share * 1000 | round / 10' "$T/body")
check "the acute share printed is the API's ($acute%)" grep -q "Acute share $(printf '%.1f' "$acute")%" "$T/board.txt"
api GET /api/v1/governance/accountability "$EXEC"
line="$(jqb .on_track) on track, $(jqb .off_track) off track, $(jqb .no_data) without data"
check "the accountability counts are the API's ($line)" grep -q "$line" "$T/board.txt"
holder=$(jqb '.items[0].holder_name' | cut -d' ' -f1-2)
check "the first holder is named ($holder)" grep -q "$holder" "$T/board.txt"
api GET /api/v1/governance/ranking "$EXEC"
first=$(jqb '.ranking[0].name')
check "the top priority is the API's ($first)" grep -q "1 *$first" "$T/board.txt"

pdftoppm -r 40 -png "$T/board.pdf" "$T/page"
check "pdftoppm renders every page ($pages)" [ "$(ls "$T"/page-*.png | wc -l)" -eq "$pages" ]
big=$(wc -c <"$(ls "$T"/page-*.png | head -n 1)")
check "the first page has drawing on it ($big bytes of PNG)" [ "$big" -gt 8000 ]

"$BIN" report board --pdf "$T/x.pdf" --from 2026-13-01 --db "$DB" 2>"$T/err"
check "a month 13 is refused with exit 2" [ $? -eq 2 ]
check "the message names the date" grep -q "from '2026-13-01' must be a date" "$T/err"
"$BIN" report board --pdf "$T/x.pdf" --from 2026-01-01 --to 2026-12-01 --db "$DB" 2>"$T/err"
check "335 days is refused with exit 2" [ $? -eq 2 ]
"$BIN" report board --db "$DB" 2>"$T/err"
check "no --pdf is refused with exit 2" [ $? -eq 2 ]
check "no file was written for the refused periods" [ ! -e "$T/x.pdf" ]

# ---- the daily call sheet -------------------------------------------------------------
"$BIN" report daily --pdf "$T/daily.pdf" --db "$DB" >"$T/cli.out" 2>"$T/cli.err"
check "report daily exits 0" [ $? -eq 0 ]
check "the daily call sheet is one page" [ "$(pdfinfo "$T/daily.pdf" | awk '/^Pages:/ { print $2 }')" = 1 ]
pdftotext -layout "$T/daily.pdf" "$T/daily.txt"
api GET /api/v1/sitrep/today "$EXEC"
check "the ICS level printed is the API's ($(jqb .ics.level))" grep -q "ICS OPEL $(jqb .ics.level) " "$T/daily.txt"
check "it says it is the last known state" grep -q "last" "$T/daily.txt"
check "it is dated today" grep -q "$today" "$T/daily.txt"

# ---- over HTTP ------------------------------------------------------------------------
api GET /api/v1/reports/board.pdf "$CLIN"
expect "a clinician may not have the board pack" 403
api GET "/api/v1/reports/board.pdf?from=2026-11-20&to=2026-11-10" "$EXEC"
expect "from after to" 422
api GET "/api/v1/reports/board.pdf?from=2026-11-01&to=2026-11-28" "$EXEC"
expect "an executive gets the board pack" 200
check "served as application/pdf ($CTYPE)" [ "$CTYPE" = "application/pdf" ]
check "the body is a PDF" [ "$(head -c 5 "$T/body")" = "%PDF-" ]
pdftotext "$T/body" "$T/http.txt"
check "the period asked for is printed" grep -q "period 2026-11-01 to 2026-11-28" "$T/http.txt"
yday=$(date -u -d yesterday +%Y-%m-%d)
api GET "/api/v1/reports/daily.pdf?day=$yday" "$OPS"
expect "trust operations get yesterday's call sheet" 200
pdftotext "$T/body" "$T/http.txt"
check "it is yesterday's ($yday)" grep -q "QRV - $yday" "$T/http.txt"
api GET "/api/v1/reports/daily.pdf?day=2026-02-30" "$OPS"
expect "an impossible day" 422
api GET "/api/v1/reports/daily.pdf?colour=red" "$OPS"
expect "an unknown parameter" 422
finish
