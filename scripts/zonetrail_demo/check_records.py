"""Check that the demo's inventory looks like Route 53: read every record set from the API and
fail when a value looks like a printed Python dict (the emulator's apex SOA before seed.py
rewrites it), when an apex SOA does not read `NS. MBOX. SERIAL REFRESH RETRY EXPIRE MINIMUM`, or
when a name server lacks its trailing dot.

Usage: check_records.py --api http://127.0.0.1:PORT
Prints one line and exits 0 when every value looks right; lists what does not and exits 1.
"""

import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

PYTHON_DICT = re.compile(r"\{\s*'[^']*'\s*:")
SOA = re.compile(r"^\S+\. \S+\. \d+ \d+ \d+ \d+ \d+$")


def record_sets(api):
    cursor = None
    while True:
        query = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True, help="the dashboard's base URL")
    args = parser.parse_args()
    total, soa, found = 0, 0, []
    for record_set in record_sets(args.api.rstrip("/")):
        total += 1
        soa += record_set["type"] == "SOA"
        found.extend(problems(record_set))
    if found:
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(f"error: {len(found)} values among {total} record sets do not look like Route 53's")
    if soa == 0:
        sys.exit(f"error: none of the {total} record sets is an SOA: no zone apex was read")
    print(f"  records look like Route 53: {total} record sets, {soa} apex SOA, no value looks like a Python dict")


if __name__ == "__main__":
    main()
