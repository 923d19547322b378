"""Makes a data file fit the benchmark's layout: zstd compression and row groups
of ROWS rows (default 1,000,000), rewriting it only when it does not already.

    python harness/normalise_parquet.py IN.parquet OUT.parquet [--rows 1000000]

The Arrow schema (types, dictionary encoding, nullability) is kept as written;
only the compression and the row-group boundaries change. Streams in chunks, so
memory stays near one row group.
"""

import argparse
import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq


def layout_ok(path, rows):
    md = pq.ParquetFile(path).metadata
    codecs = {md.row_group(i).column(j).compression
              for i in range(md.num_row_groups) for j in range(md.num_columns)}
    sizes = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
    full = sizes[:-1] if len(sizes) > 1 else []
    return codecs == {"ZSTD"} and all(0.9 * rows <= s <= 1.1 * rows for s in full) \
        and (sizes[-1] <= 1.1 * rows if sizes else True)


def rewrite(src, dst, rows):
    f = pq.ParquetFile(src)
    pending, count = [], 0
    with pq.ParquetWriter(dst, f.schema_arrow, compression="zstd") as w:
        for batch in f.iter_batches(batch_size=65_536):
            pending.append(batch)
            count += batch.num_rows
            if count >= rows:
                table = pa.Table.from_batches(pending)
                w.write_table(table.slice(0, rows), row_group_size=rows)
                rest = table.slice(rows)
                pending, count = rest.to_batches(), rest.num_rows
        if count:
            w.write_table(pa.Table.from_batches(pending, schema=f.schema_arrow), row_group_size=rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    if layout_ok(a.src, a.rows):
        print(f"{a.src}: already zstd with ~{a.rows}-row groups; kept as written")
        shutil.move(a.src, a.dst)
        return
    md = pq.ParquetFile(a.src).metadata
    print(f"{a.src}: {md.num_row_groups} row groups, "
          f"{md.row_group(0).column(0).compression if md.num_row_groups else '-'}; "
          f"rewriting as zstd with {a.rows}-row groups")
    tmp = a.dst + ".tmp"
    rewrite(a.src, tmp, a.rows)
    os.replace(tmp, a.dst)
    os.remove(a.src)


if __name__ == "__main__":
    main()
