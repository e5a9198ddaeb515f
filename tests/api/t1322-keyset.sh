#!/bin/sh
# t1322-keyset.sh - keyset pagination of the largest lists (referrals and
# waiting-list entries, the audit log): ?after=ID continues from the last row of a page
# and gives the same rows as the offset API (which keeps working), a full
# page says where to continue (next_after) and the last page says null; a
# walk with after visits every row once; a cursor that is not an id is 400,
# a cursor with an offset 422 (t1323 follows the pages' next links).
. "$(dirname "$0")/lib.sh"
start_server

ids() { jq -c '[.items[].id]' "$T/body"; }

for list in referrals waitlist/entries; do
    api GET "/api/v1/$list?limit=50" "$ADMIN"
    expect "$list: the first page" 200
    first=$(ids)
    next=$(jqb .next_after)
    check "$list: a full page says where to continue ($next)" [ "$next" = "$(jq '.items[49].id' "$T/body")" ]
    api GET "/api/v1/$list?limit=50&offset=50" "$ADMIN"
    expect "$list: the second page by offset" 200
    by_offset=$(ids)
    api GET "/api/v1/$list?limit=50&after=$next" "$ADMIN"
    expect "$list: the second page after the first's last id" 200
    check "$list: both give the same rows" [ "$(ids)" = "$by_offset" ]
    check "$list: and they follow the first page" [ "$(ids)" != "$first" ]
    api GET "/api/v1/$list?limit=50&offset=10&after=$next" "$ADMIN"
    expect "$list: offset and after together" 422
    api GET "/api/v1/$list?limit=50&after=abc" "$ADMIN"
    expect "$list: after that is not an id" 400
    api GET "/api/v1/$list?limit=50&after=999999999" "$ADMIN"
    expect "$list: after an id that does not exist" 200
    jqcheck "$list: gives an empty page with nowhere to continue" '.items == [] and .next_after == null'
done

# walk one service's referrals with after: every row once, in order
api GET "/api/v1/referrals?service=FALLS-HH&limit=1" "$ADMIN"
total=$(jqb .total)
after="" seen=0 pages=0
: >"$T/walk"
while :; do
    api GET "/api/v1/referrals?service=FALLS-HH&limit=400${after:+&after=$after}" "$ADMIN"
    [ "$STATUS" = 200 ] || break
    jq -r '.items[] | "\(.sent_at) \(.id)"' "$T/body" >>"$T/walk"
    pages=$((pages + 1))
    after=$(jqb .next_after)
    [ "$after" = null ] && break
    [ $pages -gt 100 ] && break
done
check "the walk took several pages ($pages) over $total referrals" [ "$pages" -ge 2 ]
check "the walk saw every referral ($(wc -l <"$T/walk") of $total)" [ "$(wc -l <"$T/walk")" -eq "$total" ]
check "each once" [ "$(cut -d' ' -f2 "$T/walk" | sort -u | wc -l)" -eq "$total" ]
# the same list by offset, 1,000 at a time
: >"$T/offsets"
o=0
while [ $o -lt "$total" ]; do
    api GET "/api/v1/referrals?service=FALLS-HH&limit=1000&offset=$o" "$ADMIN"
    jq -r '.items[] | "\(.sent_at) \(.id)"' "$T/body" >>"$T/offsets"
    o=$((o + 1000))
done
check "in the same order as the offset pages" cmp -s "$T/walk" "$T/offsets"
# ---- the audit log: newest first, ?after= keeps older records ----------------
for i in 1 2 3 4 5 6; do
    api POST /api/v1/users "$ADMIN" "{\"name\":\"keyset.$i\",\"role\":\"analyst\"}"
done
api GET "/api/v1/audit?limit=5&ics=all" "$ADMIN"
expect "audit: the first page" 200
a_first=$(ids)
a_next=$(jqb .next_after)
check "audit: a full page says where to continue ($a_next)" [ "$a_next" = "$(jq '.items[4].id' "$T/body")" ]
api GET "/api/v1/audit?limit=5&offset=5&ics=all" "$ADMIN"
a_offset=$(ids)
# records added between two pages: the keyset page stays put, offset shifts
api POST /api/v1/users "$ADMIN" '{"name":"keyset.late1","role":"analyst"}'
api POST /api/v1/users "$ADMIN" '{"name":"keyset.late2","role":"analyst"}'
api GET "/api/v1/audit?limit=5&after=$a_next&ics=all" "$ADMIN"
expect "audit: the second page after records were added" 200
check "audit: it is the page that followed the first before they were added" [ "$(ids)" = "$a_offset" ]
jqcheck "audit: every id is older than the cursor" "all(.items[]; .id < $a_next)"
api GET "/api/v1/audit?limit=5&offset=5&ics=all" "$ADMIN"
check "audit: the offset page has shifted by the two new records" [ "$(ids)" != "$a_offset" ]
api GET "/api/v1/audit?limit=1000&ics=all" "$ADMIN"
expect "audit: every record of this database on one page" 200
last1=$(jq '.items[-1].id' "$T/body")
last2=$(jq '.items[-2].id' "$T/body")
api GET "/api/v1/audit?limit=5&after=$last2&ics=all" "$ADMIN"
expect "audit: the last page" 200
jqcheck "audit: the last page holds the oldest record ($last1) and says nowhere to continue" \
    "[.items[].id] == [$last1] and .next_after == null"
api GET "/api/v1/audit?limit=5&after=$last2&object_type=nothing-like-this&ics=all" "$ADMIN"
jqcheck "audit: a filter with the cursor matching nothing: empty page, next_after null" \
    '.items == [] and .next_after == null'
for bad in abc 0 -3 99999999999999999999999 %C3%A9 1.5 1e3; do
    api GET "/api/v1/audit?limit=5&after=$bad" "$ADMIN"
    expect "audit: after=$bad" 400
    jqcheck "audit: after=$bad is a problem naming the cursor" '(.detail | test("after")) and .status == 400'
done
api GET "/api/v1/audit?limit=5&after=%FF" "$ADMIN"
expect "audit: a cursor that is not UTF-8" 400
api GET "/api/v1/audit?limit=5&offset=5&after=$a_next" "$ADMIN"
expect "audit: offset and after together" 422
finish
