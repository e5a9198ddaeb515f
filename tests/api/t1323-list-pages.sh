#!/bin/sh
# t1323-list-pages.sh - the large lists' pages as clients walk them (issue
# 18 item 6): each full page carries a "next" link (the same filters and
# the cursor) that leads to the page next_after leads to, the last page has
# none; a cursor that a page could not have handed out is a 400 problem;
# and each page of patients read is one audit record, written with the
# page, whose ids are exactly the page's.
. "$(dirname "$0")/lib.sh"
start_server

ids() { jq -c '[.items[].id]' "$T/body"; }
# the ids an audit record keeps ("17650,17701-17703") as a JSON array,
# and a page's ids sorted to compare with it
expand='split(",") | map(select(. != "") | if test("^[0-9]+-[0-9]+$") then (split("-") | map(tonumber)) as [$a, $b] | [range($a; $b + 1)] else [tonumber] end) | add // []'
ids_sorted() { jq -c '[.items[].id] | sort' "$T/body"; }
last_read() { # ACTION -> the newest read record's after_json
    sql "SELECT after_json FROM audit WHERE action = '$1' ORDER BY id DESC LIMIT 1"
}

# ---- referrals: follow next from the first page to the last -----------------
api GET "/api/v1/referrals?service=FALLS-HH&limit=1" "$ADMIN"
total=$(jqb .total)
path="/api/v1/referrals?service=FALLS-HH&limit=400" pages=0
: >"$T/walk"
while [ -n "$path" ] && [ $pages -lt 50 ]; do
    api GET "$path" "$ADMIN"
    [ "$STATUS" = 200 ] || break
    pages=$((pages + 1))
    jq -r '.items[].id' "$T/body" >>"$T/walk"
    [ $pages = 1 ] && cp "$T/body" "$T/first"
    path=$(jq -r '.next // empty' "$T/body")
done
check "referrals: the next links walked several pages ($pages) over $total referrals" [ "$pages" -ge 2 ]
check "referrals: they saw every referral once ($(sort -u "$T/walk" | wc -l) of $total)" \
    [ "$(sort -u "$T/walk" | wc -l)" -eq "$total" ]
jqcheck "referrals: the last page has no next link and next_after null" 'has("next") | not'
jqcheck "referrals: and says nowhere to continue" '.next_after == null'
next=$(jq -r .next "$T/first")
check "referrals: the first page's link keeps the filter and the limit ($next)" \
    [ "$next" = "/api/v1/referrals?limit=400&service=FALLS-HH&after=$(jq .next_after "$T/first")" ]
api GET "/api/v1/referrals?service=FALLS-HH&limit=400&offset=400" "$ADMIN"
by_offset=$(ids)
api GET "$next" "$ADMIN"
check "referrals: the link leads to the page the offset API gives" [ "$(ids)" = "$by_offset" ]

# a filter value that must be encoded in the link (+ and : of an instant)
api GET "/api/v1/referrals?limit=20&from=2026-01-01T00:00:00%2B00:00" "$ADMIN"
expect "referrals: a page from an instant" 200
jqcheck "referrals: its link encodes the instant" '.next | test("from=2026-01-01T00%3A00%3A00%2B00%3A00&")'
first=$(ids)
after=$(jqb .next_after)
api GET "$(jqb .next)" "$ADMIN"
expect "referrals: the encoded link is followed" 200
link_ids=$(ids)
api GET "/api/v1/referrals?limit=20&from=2026-01-01T00:00:00%2B00:00&after=$after" "$ADMIN"
check "referrals: it gives the page after= gives" [ "$link_ids" = "$(ids)" ]
check "referrals: which is not the first page again" [ "$link_ids" != "$first" ]

# ---- the read is audited once per page, with the page's ids -----------------
before=$(sql "SELECT COUNT(*) FROM audit WHERE action = 'read.referrals'")
api GET "/api/v1/referrals?state=attended&limit=37" "$ADMIN"
page=$(ids_sorted)
page_last=$(jq '.items[-1].id' "$T/body")
check "referrals: one page read, one audit record" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'read.referrals'")" -eq $((before + 1)) ]
rec=$(last_read read.referrals)
check "referrals: the record's ids are the page's, sorted ($(echo "$rec" | jq -r .ids))" \
    [ "$(echo "$rec" | jq -c ".ids | $expand")" = "$page" ]
check "referrals: with the filter and the count" [ "$(echo "$rec" | jq -c '[.state, .rows]')" = '["attended",37]' ]
api GET "$(jqb .next)" "$ADMIN"
page2=$(ids_sorted)
rec=$(last_read read.referrals)
check "referrals: the next page's record names its cursor" \
    [ "$(echo "$rec" | jq .after)" = "$page_last" ]
check "referrals: and holds the next page's ids" [ "$(echo "$rec" | jq -c ".ids | $expand")" = "$page2" ]
api GET "/api/v1/referrals?limit=5&after=999999999" "$ADMIN"
rec=$(last_read read.referrals)
check "referrals: an empty page is audited with no ids" [ "$(echo "$rec" | jq -c '[.rows, .ids]')" = '[0,""]' ]

# ---- the waiting list -------------------------------------------------------
api GET "/api/v1/waitlist/entries?trust=RAS&status=waiting&limit=100" "$ADMIN"
expect "waitlist: a trust's first page" 200
w1=$(ids)
w1s=$(ids_sorted)
jqcheck "waitlist: the link keeps trust and status, in the list's parameter order" \
    '.next == "/api/v1/waitlist/entries?limit=100&trust=RAS&status=waiting&after=\(.next_after)"'
rec=$(last_read read.waitlist_entries)
check "waitlist: the read's record holds the page's ids" [ "$(echo "$rec" | jq -c ".ids | $expand")" = "$w1s" ]
api GET "$(jqb .next)" "$ADMIN"
w2=$(ids)
api GET "/api/v1/waitlist/entries?trust=RAS&status=waiting&limit=100&offset=100" "$ADMIN"
check "waitlist: the link leads to the second page" [ "$w2" = "$(ids)" ]
api GET "/api/v1/waitlist/entries?trust=RAS&limit=1" "$ADMIN"
wt=$(jqb .total)
api GET "/api/v1/waitlist/entries?trust=RAS&limit=1000&offset=$((wt - 3))" "$ADMIN"
jqcheck "waitlist: the last 3 entries make a short page without a link" '(.items | length) == 3 and (has("next") | not) and .next_after == null'

# ---- the audit log ----------------------------------------------------------
api GET "/api/v1/audit?ics=all&object_type=referrals&limit=2" "$ADMIN"
expect "audit: a page of the read records" 200
jqcheck "audit: the link keeps the object type and the ICS" \
    '.next == "/api/v1/audit?limit=2&object_type=referrals&ics=all&after=\(.next_after)"'
a1=$(ids)
api GET "$(jqb .next)" "$ADMIN"
jqcheck "audit: the linked page is older than the first" "all(.items[]; .id < $(echo "$a1" | jq '.[-1]'))"
jqcheck "audit: and holds read records too" 'all(.items[]; .object_type == "referrals")'
api GET "/api/v1/audit?limit=5&objct_type=referrals" "$ADMIN"
expect "audit: a misspelt filter is refused, not ignored" 422
jqcheck "audit: the problem names the parameter and what the list takes" \
    '(.detail | contains("objct_type")) and (.detail | contains("object_type"))'

# ---- bad cursors: 400 problem+json, nothing read or audited ------------------
n0=$(sql "SELECT COUNT(*) FROM audit")
for list in referrals waitlist/entries audit; do
    for bad in abc 0 -1 1.5 1e3 99999999999999999999999 %C3%A9 %E2%82%AC12 12abc %20 ''; do
        api GET "/api/v1/$list?limit=5&after=$bad" "$ADMIN"
        expect "$list: after=$bad" 400
    done
    api GET "/api/v1/$list?limit=5&after=%FF%FE" "$ADMIN"
    expect "$list: a cursor that is not UTF-8" 400
done
check "no bad cursor was read or audited" [ "$(sql "SELECT COUNT(*) FROM audit")" -eq "$n0" ]
finish
