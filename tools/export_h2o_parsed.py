"""Write the training fixtures' CSVs as H2O-3 parses them, for bit-exact parity tests.

H2O's CSV parser is not correctly rounded: about 1 value in 10 ends up 1 ulp from the nearest double
of its decimal text. Bit-for-bit training parity needs the exact bits H2O trained on, so this script
imports each CSV with H2O 3.46.0.11 and writes its parsed values with 17 significant digits, which
read back exactly. Needs `h2o` and Java; run from the repository root.
"""

from __future__ import annotations

from pathlib import Path

import h2o

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "h2o_train"
COL_TYPES = {"c1": "enum", "yc": "enum"}
FILES = ["trainC.csv", "trainD.csv", "trainC_complete.csv", "trainD_posoff.csv", "trainD_w0.csv"]

h2o.init(ip="127.0.0.1", port=54750, nthreads=1, max_mem_size="1G", verbose=False)
h2o.no_progress()
try:
    for name in FILES:
        header = (DATA / name).read_text().split("\n", 1)[0].split(",")
        types = {c: t for c, t in COL_TYPES.items() if c in header}
        frame = h2o.import_file(str(DATA / name), col_types=types)
        parsed = frame.as_data_frame(use_multi_thread=False)
        target = DATA / name.replace(".csv", "_h2o_parsed.csv")
        parsed.to_csv(target, index=False, float_format="%.17g")
        print(f"wrote {target.name}: {len(parsed)} rows")
finally:
    h2o.cluster().shutdown()
