#!/usr/bin/env python3
"""The report benchmark's peer: DuckDB computes the same tables from the same wide CSV.

Usage: report-duckdb.py SPEC.json DATA.csv
Prints one JSON object: the tables (shown, base, option counts; n, mean, median, min, max, sd; distinct values and
the five most common), seconds to load and to query, and this process's peak resident memory.
"""
import json
import resource
import sys
import time

import duckdb


def main():
    spec = json.load(open(sys.argv[1]))
    data = sys.argv[2]
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute("CREATE TABLE answers AS SELECT * FROM read_csv(?, header = true, all_varchar = true, nullstr = '', quote = '\"', escape = '\"')", [data])
    loaded = time.perf_counter()
    tables = {}
    for t in spec["tables"]:
        item, kind, shown = t["item"], t["kind"], t["shown"]
        col = '"' + item.replace('"', '""') + '"'
        where = f"({shown})"
        answered = f"{where} AND {col} IS NOT NULL AND {col} <> ''"
        if kind in ("select_one", "select_multiple"):
            total, base = con.execute(f"SELECT count(*) FILTER (WHERE {where}), count(*) FILTER (WHERE {answered}) FROM answers").fetchone()
            if kind == "select_one":
                rows = con.execute(f"SELECT {col}, count(*) FROM answers WHERE {answered} GROUP BY 1").fetchall()
            else:
                rows = con.execute(
                    f"SELECT c, count(*) FROM (SELECT DISTINCT rowid AS r, unnest(string_split({col}, ' ')) AS c FROM answers WHERE {answered}) GROUP BY c"
                ).fetchall()
            tables[item] = {"shown": total, "base": base, "counts": {k: v for k, v in rows}}
        elif kind in ("number", "date"):
            value = f"TRY_CAST({col} AS DOUBLE)" if kind == "number" else f"date_diff('day', DATE '1970-01-01', TRY_CAST({col} AS DATE))::DOUBLE"
            n, mean, median, lo, hi, sd = con.execute(
                f"SELECT count(v), avg(v), quantile_cont(v, 0.5), min(v), max(v), stddev_samp(v) FROM (SELECT {value} AS v FROM answers WHERE {answered})"
            ).fetchone()
            tables[item] = {"n": n, "mean": mean, "median": median, "min": lo, "max": hi, "sd": sd}
        elif kind == "text":
            base, distinct = con.execute(f"SELECT count(*), count(DISTINCT {col}) FROM answers WHERE {answered}").fetchone()
            top = con.execute(f"SELECT {col}, count(*) AS n FROM answers WHERE {answered} GROUP BY 1 ORDER BY n DESC, 1 LIMIT 5").fetchall()
            tables[item] = {"base": base, "distinct": distinct, "top": [[v, n] for v, n in top]}
    done = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump({"tables": tables, "load_seconds": loaded - started, "query_seconds": done - loaded,
               "peak_rss_mb": peak_kb / 1024, "version": duckdb.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
