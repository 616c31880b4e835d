#!/usr/bin/env python3
"""The original tool's approach, written plainly as it was: one thread, one
`SELECT * FROM settings` paged by the driver, and a case-insensitive substring test of
every identifier against every value. It is the yardstick of bench/run's case (5).

Usage: original_scan.py HOST PORT KEYSPACE IDENTIFIER [IDENTIFIER ...]
Prints one JSON line: {"rows": N, "matched_settings": M}.
"""
import json
import sys

from cassandra.cluster import Cluster


def main():
    host, port, keyspace = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    needles = [s.lower() for s in sys.argv[4:]]
    cluster = Cluster([host], port=port)
    session = cluster.connect(keyspace)
    rows = 0
    matched = 0
    for row in session.execute("SELECT * FROM settings"):
        rows += 1
        value = (row.value or "").lower()
        for needle in needles:
            if needle in value:
                matched += 1
                break
    cluster.shutdown()
    print(json.dumps({"rows": rows, "matched_settings": matched}))


if __name__ == "__main__":
    main()
