#!/usr/bin/env python3
"""Regenerates tables.tsv and functions.tsv from ../shared/schemas (one JSON file a table or
function).

Usage, from the repository root: python3 crates/io/catalog/generate.py ../shared/schemas
tables.tsv: `Table<TAB>col:type<TAB>col:type...`, tables sorted by name.
functions.tsv: `Function<TAB>param:type:required|optional ...<TAB>col:type...` with the
parameters in one field, space-separated (empty when there are none), functions sorted by name.
Sentinel's built-in `_GetWatchlist` is added by hand (its definition is not in the schemas): it
returns `_DTItemId`, `LastUpdatedTimeUTC` and `SearchKey`, then the watchlist's own columns,
which only the workspace knows; its line ends with the field `*`.
"""
import glob
import json
import os
import sys

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))


def write(name, lines):
    with open(os.path.join(here, name), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def columns(cols):
    return "\t".join(f"{c['name']}:{column_type(c)}" for c in cols)


def column_type(column):
    # Log Analytics gives every table a datetime TimeGenerated; three custom-table
    # files of the KQL validation test type it as a string, which would split the
    # column in two under `union *`.
    if column["name"] == "TimeGenerated":
        return "datetime"
    return column["type"]


tables = []
for path in sorted(glob.glob(os.path.join(src, "tables", "*.json"))):
    with open(path, encoding="utf-8") as f:
        table = json.load(f)
    cols = table["columns"]
    # Every Log Analytics table has TimeGenerated; 34 custom-table files of the
    # validation test leave it out.
    if not any(c["name"] == "TimeGenerated" for c in cols):
        cols = [{"name": "TimeGenerated", "type": "datetime"}] + cols
    tables.append(f"{table['table']}\t{columns(cols)}")
write("tables.tsv", tables)

functions = [
    "_GetWatchlist\twatchlistAlias:string:required keys:dynamic:optional\t"
    "_DTItemId:string\tLastUpdatedTimeUTC:datetime\tSearchKey:string\t*"
]
for path in sorted(glob.glob(os.path.join(src, "functions", "*.json"))):
    with open(path, encoding="utf-8") as f:
        func = json.load(f)
    params = " ".join(
        f"{p['name']}:{p['type']}:{'required' if p['required'] else 'optional'}"
        for p in func["parameters"]
    )
    functions.append(f"{func['function']}\t{params}\t{columns(func['columns'])}")
write("functions.tsv", sorted(functions))
