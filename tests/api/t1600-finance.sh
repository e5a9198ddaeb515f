#!/bin/sh
# t1600-finance.sh - the finance API over real HTTP: the seeded synthetic
# NWL budget and provider months, the one-page summary checked against the
# stored rows, CSV imports that refuse bad files with row-level errors and
# write nothing, and the roles (finance and admin write; executive and
# analyst read; others 403).
. "$(dirname "$0")/lib.sh"
start_server
FIN=$(mktoken fin finance QRV)
EXEC=$(mktoken exec executive)
ANA=$(mktoken ana analyst QRV)
CLIN=$(mktoken clin clinician RRU)

apicsv() { # PATH TOKEN FILE
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -X POST \
        -H "Authorization: Bearer $2" -H "Content-Type: text/csv" --data-binary "@$3" "$URL$1")
    STATUS=${out%% *} CTYPE=${out#* }
}

# ---- roles -----------------------------------------------------------------
api GET /api/v1/finance/summary ""
expect "no token" 401
api GET /api/v1/finance/summary "$CLIN"
expect "a clinician may not read the finances" 403
api GET /api/v1/finance/summary "$ANA"
expect "an analyst reads the summary" 200

# ---- the seeded default ----------------------------------------------------
api GET /api/v1/finance/summary "$EXEC"
expect "an executive reads the summary" 200
total=$(sql "SELECT ROUND(SUM(amount_gbp_m)) FROM fin_budgets WHERE year = '2026/27'")
check "the seeded 2026/27 budget totals about GBP 6,000m ($total)" \
    [ "$(printf '%.0f' "$total")" -ge 5990 ]
check "the summary's total equals the stored sum" \
    [ "$(jqb '.spend.total_gbp_m | round')" = "$(printf '%.0f' "$total")" ]
acute=$(sql "SELECT SUM(amount_gbp_m) FROM fin_budgets WHERE year = '2026/27' AND sector = 'acute'")
jqcheck "the acute share is the stored acute sum over the total" \
    "((.spend.acute_share - ($acute / .spend.total_gbp_m)) | fabs) < 1e-9"
jqcheck "the national benchmark comes from the benchmark table (0.50)" \
    '.spend.national_acute_share == 0.5'
jqcheck "the seeded spend is labelled synthetic" '.spend.synthetic == true'
jqcheck "five sectors with shares summing to 1" \
    '(.spend.sectors | length) == 5 and (([.spend.sectors[].share] | add) - 1 | fabs) < 1e-9'
jqcheck "eight providers" '(.providers.providers | length) == 8'
ryj_in=$(sql "SELECT SUM(income_gbp_m) FROM fin_provider_months WHERE provider_code = 'RYJ'")
ryj_ex=$(sql "SELECT SUM(expenditure_gbp_m) FROM fin_provider_months WHERE provider_code = 'RYJ'")
jqcheck "Imperial's deficit share is (income - expenditure) / income from the stored months" \
    "(.providers.providers[] | select(.provider_code == \"RYJ\") | .surplus_share - (($ryj_in - $ryj_ex) / $ryj_in)) | fabs < 1e-9"
jqcheck "the system deficit is between 8% and 10% of income (synthetic, like the published 9%)" \
    '.providers.surplus_share < -0.08 and .providers.surplus_share > -0.10'
jqcheck "deficits are uneven: the largest share is over three times the smallest" \
    '[.providers.providers[].surplus_share] | (min / max) > 3'
jqcheck "eight places, each with a needs-based target share" \
    '(.places.places | length) == 8 and all(.places.places[]; .target_share > 0 and .target_share < 1)'
jqcheck "target shares sum to 1" '(([.places.places[].target_share] | add) - 1 | fabs) < 1e-9'
jqcheck "each place's gap is spend minus target share x total" \
    '.places.total_gbp_m as $t | all(.places.places[]; (.gap_gbp_m - (.amount_gbp_m - .target_share * $t)) | fabs < 1e-6)'

api GET "/api/v1/finance/providers?from=2026-10&to=2026-11" "$EXEC"
expect "two months of provider figures" 200
jqcheck "16 provider months (8 providers x 2)" '(.items | length) == 16'
jqcheck "surplus is income - expenditure on each month" \
    'all(.items[]; (.surplus_gbp_m - (.income_gbp_m - .expenditure_gbp_m)) | fabs < 1e-9)'
api GET "/api/v1/finance/providers?from=2026-13" "$EXEC"
expect "month 13" 422
api GET "/api/v1/finance/summary?year=2026-27" "$EXEC"
expect "a year written with a hyphen" 422
api GET "/api/v1/finance/summary?ics=ZZZ" "$EXEC"
expect "an unknown ICS" 404
api GET "/api/v1/finance/summary?ics=all" "$EXEC"
expect "every ICS at once (the summary is for one)" 422
api GET "/api/v1/finance/summary?ics=QRV" "$EXEC"
expect "North West London by its code" 200
jqcheck "the answer names the ICS" '.ics == "QRV"'
api GET "/api/v1/finance/benchmarks" "$EXEC"
expect "benchmarks" 200
jqcheck "every benchmark names its source" 'all(.items[]; (.source | length) > 10)'

# ---- imports ---------------------------------------------------------------
cat >"$T/budget.csv" <<'CSV'
year,sector,place_code,provider_code,amount_gbp_m,source
2027/28,acute,E09000005,,400.5,plan v1
2027/28,community,E09000005,,100,plan v1
2027/28,acute,,RYJ,900,plan v1
CSV
api GET /api/v1/finance/budgets "$FIN"
before=$(audit_count)
apicsv /api/v1/finance/budgets "$EXEC" "$T/budget.csv"
expect "an executive may not import" 403
apicsv /api/v1/finance/budgets "$FIN" "$T/budget.csv"
expect "finance imports a 2027/28 budget" 200
jqcheck "three lines, nothing replaced" '.lines == 3 and .replaced == 0'
check "one audit record for the import" [ "$(audit_count)" = "$((before + 1))" ]
last=$(sql "SELECT MAX(id) - 1 FROM events")
api GET "/api/v1/events?after=$last" "$EXEC"
expect "events for an executive" 200
jqcheck "an executive sees finance.imported" '[.items[].type] | index("finance.imported") != null'
api GET "/api/v1/events?after=$last" "$CLIN"
expect "events for a clinician" 200
jqcheck "a clinician does not see finance.imported" '[.items[].type] | index("finance.imported") == null'
check "the lines are stored" \
    [ "$(sql "SELECT COUNT(*) FROM fin_budgets WHERE year = '2027/28'")" = 3 ]
check "an imported line is not synthetic" \
    [ "$(sql "SELECT MAX(synthetic) FROM fin_budgets WHERE year = '2027/28'")" = 0 ]
apicsv /api/v1/finance/budgets "$FIN" "$T/budget.csv"
expect "the same file again" 200
jqcheck "replaces the year's three lines" '.replaced == 3'
check "still three lines" [ "$(sql "SELECT COUNT(*) FROM fin_budgets WHERE year = '2027/28'")" = 3 ]
api GET "/api/v1/finance/summary?year=2027/28" "$EXEC"
expect "the imported year" 200
jqcheck "acute 1300.5 of 1400.5" '.spend.total_gbp_m == 1400.5 and ((.spend.acute_share - 1300.5 / 1400.5) | fabs) < 1e-12'

printf 'year,sector,place_code,provider_code,amount_gbp_m,source\n2027/28,acute,E09000005,,1,x\n2027/28,dentistry,E09000099,ZZZ,-5,x\n2027/2,acute,,,1e400,x\n' >"$T/bad.csv"
before=$(audit_count)
apicsv /api/v1/finance/budgets "$FIN" "$T/bad.csv"
expect "a file with bad rows" 422
jqcheck "names line 3's sector" '.detail | test("line 3, column sector")'
jqcheck "names line 3's place" '.detail | test("line 3, column place_code: no place .E09000099.")'
jqcheck "names line 3's negative amount" '.detail | test("line 3, column amount_gbp_m")'
jqcheck "names line 4's year" '.detail | test("line 4, column year")'
jqcheck "names line 4's huge amount" '.detail | test("line 4, column amount_gbp_m")'
check "nothing written: still three 2027/28 lines" \
    [ "$(sql "SELECT COUNT(*) FROM fin_budgets WHERE year = '2027/28'")" = 3 ]
check "no audit record for the refused file" [ "$(audit_count)" = "$before" ]
printf 'year,sector,place_code,provider_code,amount_gbp_m,source,colour\n' >"$T/cols.csv"
apicsv /api/v1/finance/budgets "$FIN" "$T/cols.csv"
expect "an unknown column" 422
printf 'year,sector,place_code,provider_code,amount_gbp_m,source\n2027/28,acute,E09000005,,1,\377\376\n' >"$T/latin.csv"
apicsv /api/v1/finance/budgets "$FIN" "$T/latin.csv"
expect "a cell that is not UTF-8" 422
printf 'year,sector,place_code,provider_code,amount_gbp_m,source\n2027/28,acute,E09000005,,1,Comité régional — £\n' >"$T/utf.csv"
apicsv /api/v1/finance/budgets "$FIN" "$T/utf.csv"
expect "multibyte text in the source" 200
check "the source is stored as sent" \
    [ "$(sql "SELECT source FROM fin_budgets WHERE year = '2027/28'")" = "Comité régional — £" ]

printf 'provider_code,month,income_gbp_m,expenditure_gbp_m,source\nRYJ,2026-12,100,110,m9\nR1K,2026-12,80,70,m9\n' >"$T/prov.csv"
apicsv /api/v1/finance/providers "$FIN" "$T/prov.csv"
expect "finance imports December's provider figures" 200
jqcheck "two lines, the month 2026-12" '.lines == 2 and .from == "2026-12" and .to == "2026-12"'
api GET "/api/v1/finance/providers?from=2026-12" "$EXEC"
expect "December" 200
jqcheck "RYJ: deficit 10 on income 100 is -0.1" \
    '.items[] | select(.provider_code == "RYJ") | .surplus_share == -0.1'
printf 'provider_code,month,income_gbp_m,expenditure_gbp_m,source\nRYJ,2026-12,100,110,m9\nRYJ,2026-12,1,1,m9\n' >"$T/dup.csv"
apicsv /api/v1/finance/providers "$FIN" "$T/dup.csv"
expect "the same provider and month twice" 422
printf 'provider_code,month,income_gbp_m,expenditure_gbp_m,source\nXXX,26-12,abc,1,m9\n' >"$T/pbad.csv"
apicsv /api/v1/finance/providers "$FIN" "$T/pbad.csv"
expect "a bad provider row" 422
jqcheck "names the unknown provider" '.detail | test("line 2, column provider_code: no organisation .XXX.")'
jqcheck "names the bad month" '.detail | test("line 2, column month")'
api POST /api/v1/finance/providers "$FIN" '{"csv": "a,b"}'
expect "JSON instead of CSV" 400

# ---- the same from the command line ----------------------------------------------
"$BIN" finance summary --db "$DB" >"$T/sum.txt" 2>&1
check "finance summary exits 0" [ $? -eq 0 ]
check "the CLI labels the seeded trust figures synthetic" grep -q "share of income, system .*% \[SYNTHETIC\]" "$T/sum.txt"
check "the CLI shows the benchmark" grep -q "against the national benchmark 50.0%" "$T/sum.txt"
"$BIN" finance import-budgets "$T/bad.csv" --db "$DB" >"$T/out" 2>"$T/err"
check "a bad budget file exits 2" [ $? -eq 2 ]
check "the one-line message names line 3's sector" grep -q "line 3, column sector" "$T/err"
printf 'year,sector,place_code,provider_code,amount_gbp_m,source\n2028/29,other,,,12.5,cli plan\n' >"$T/cli.csv"
"$BIN" finance import-budgets "$T/cli.csv" --db "$DB" >"$T/out" 2>"$T/err"
check "a good file imports from the CLI" [ $? -eq 0 ]
check "its line is stored" [ "$(sql "SELECT amount_gbp_m FROM fin_budgets WHERE year = '2028/29'")" = 12.5 ]
check "the CLI import is audited with the CLI's actor" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'finance.budgets.import' AND actor LIKE 'cli:%'")" = 1 ]
"$BIN" finance nonsense --db "$DB" 2>"$T/err"
check "an unknown action exits 2" [ $? -eq 2 ]
finish
