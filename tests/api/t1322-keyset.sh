#!/bin/sh
# t1322-keyset.sh - keyset pagination of the largest lists (referrals and
# waiting-list entries): ?after=ID continues from the last row of a page
# and gives the same rows as the offset API (which keeps working), a full
# page says where to continue (next_after) and the last page says null; a
# walk with after visits every row once; bad input is 422.
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
    expect "$list: after that is not an id" 422
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
finish
