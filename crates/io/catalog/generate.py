#!/usr/bin/env python3
"""Regenerates tables.tsv from ../shared/schemas/tables (one JSON file a table).

Usage, from the repository root: python3 crates/io/catalog/generate.py ../shared/schemas/tables
Each output line is `Table<TAB>col:type<TAB>col:type...`, tables sorted by name.
"""
import glob
import json
import os
import sys

src = sys.argv[1]
lines = []
for path in sorted(glob.glob(os.path.join(src, "*.json"))):
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    cols = "\t".join(f"{c['name']}:{c['type']}" for c in table["columns"])
    lines.append(f"{table['table']}\t{cols}")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tables.tsv")
with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(lines) + "\n")
