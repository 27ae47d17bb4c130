"""Check that the demo's inventory looks like Route 53: read every record set from the API and
fail when a value looks like a printed Python dict (the emulator's apex SOA before seed.py
rewrites it), when an apex SOA does not read `NS. MBOX. SERIAL REFRESH RETRY EXPIRE MINIMUM`, or
when a name server lacks its trailing dot.

With --accounts N it also checks the demo's accounts: /api/accounts lists N accounts, each
swept (status ok) with zones and records, and its zones carry its name (Organizations names
every account); some zone name is held by two accounts (two zones with different account_id);
every record set carries its zone's account_id; and the `account` filter returns one
account's record sets only.

Usage: check_records.py --api http://127.0.0.1:PORT [--accounts N]
Prints one line (two with --accounts) and exits 0 when everything looks right; lists what does
not and exits 1.
"""

import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

PYTHON_DICT = re.compile(r"\{\s*'[^']*'\s*:")
SOA = re.compile(r"^\S+\. \S+\. \d+ \d+ \d+ \d+ \d+$")


def get(api, path, **query):
    url = f"{api}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def record_sets(api, **filters):
    cursor = None
    while True:
        query = {"limit": "1000", **filters, **({"cursor": cursor} if cursor else {})}
        with urllib.request.urlopen(f"{api}/api/records?{urllib.parse.urlencode(query)}", timeout=30) as r:
            page = json.load(r)
        yield from page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return


def problems(record_set):
    where = f"{record_set['name']} {record_set['type']}"
    for value in record_set["values"]:
        if PYTHON_DICT.search(value):
            yield f"{where}: {value!r} looks like a Python dict"
        elif record_set["type"] == "SOA" and not SOA.match(value):
            yield f"{where}: {value!r} is not an SOA value"
        elif record_set["type"] == "NS" and not value.endswith("."):
            yield f"{where}: name server {value!r} has no trailing dot"


def account_problems(api, want, all_record_sets):
    """What is wrong with the accounts as the API shows them; and a one-line summary."""
    found = []
    accounts = get(api, "/api/accounts")["items"]
    if len(accounts) != want:
        found.append(f"/api/accounts lists {len(accounts)} accounts, not {want}: "
                     f"{[a['account_id'] for a in accounts]}")
    for a in accounts:
        label = f"account {a['account_id']} ({a.get('name')})"
        if a.get("status") != "ok":
            found.append(f"{label}: status {a.get('status')!r}, not 'ok' (last error: {a.get('last_error')})")
        if not a.get("zones") or not a.get("records"):
            found.append(f"{label}: {a.get('zones')} zones, {a.get('records')} record sets")
    zones = get(api, "/api/zones")["items"]
    account_of = {z["zone_id"]: z.get("account_id") for z in zones}
    name_of = {a["account_id"]: a.get("name") for a in accounts}
    for z in zones:
        if not z.get("account_id"):
            found.append(f"zone {z['zone_name']} ({z['zone_id']}) has no account_id")
        elif not z.get("account_name") or z.get("account_name") != name_of.get(z["account_id"]):
            found.append(f"zone {z['zone_name']} ({z['zone_id']}): account_name {z.get('account_name')!r}, "
                         f"/api/accounts names {z['account_id']} {name_of.get(z['account_id'])!r}")
    by_name = {}
    for z in zones:
        by_name.setdefault(z["zone_name"], set()).add(z.get("account_id"))
    shared = sorted(name for name, owners in by_name.items() if len(owners - {None}) >= 2)
    if not shared:
        found.append("no zone name is held by two accounts (the demo seeds internal.acme-corp.com. in two)")
    wrong = [r for r in all_record_sets if r.get("account_id") != account_of.get(r["zone_id"])]
    if wrong:
        r = wrong[0]
        found.append(f"{len(wrong)} record sets do not carry their zone's account_id, e.g. {r['name']} {r['type']}: "
                     f"{r.get('account_id')!r}, zone {r['zone_id']} is in {account_of.get(r['zone_id'])!r}")
    for a in accounts:
        # The driver may be changing records meanwhile: the count is not compared, the owner is.
        listed = list(record_sets(api, account=a["account_id"]))
        others = [r for r in listed if r.get("account_id") != a["account_id"]]
        if others or not listed:
            found.append(f"?account={a['account_id']}: {len(listed)} record sets, {len(others)} of them of other accounts")
    names = ", ".join(f"{a.get('name') or a['account_id']} ({a.get('zones')} zones)" for a in accounts)
    owners = max((len(by_name[n]) for n in shared), default=0)
    summary = (f"  accounts look right: {names}; {', '.join(shared) or 'no zone name'} in {owners} accounts; "
               "every record set carries its zone's account")
    return found, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True, help="the dashboard's base URL")
    parser.add_argument("--accounts", type=int, help="also check that the API shows this many accounts")
    args = parser.parse_args()
    api = args.api.rstrip("/")
    total, soa, found, listed = 0, 0, [], []
    for record_set in record_sets(api):
        total += 1
        soa += record_set["type"] == "SOA"
        found.extend(problems(record_set))
        listed.append(record_set)
    summary = None
    if args.accounts is not None:
        more, summary = account_problems(api, args.accounts, listed)
        found.extend(more)
    if found:
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(f"error: {len(found)} problems among {total} record sets (values that do not look like Route 53's, "
                 "or accounts that do not look as seeded)")
    if soa == 0:
        sys.exit(f"error: none of the {total} record sets is an SOA: no zone apex was read")
    print(f"  records look like Route 53: {total} record sets, {soa} apex SOA, no value looks like a Python dict")
    if summary:
        print(summary)


if __name__ == "__main__":
    main()
