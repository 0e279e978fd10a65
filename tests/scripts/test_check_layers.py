#!/usr/bin/env python3
"""check_layers.py on tiny trees in a temporary folder: a clean tree passes, and each kind of
wrong arrow fails with a message naming the file, the line and the layers.

Usage: test_check_layers.py        (exit 0: every case behaved; 1: a case did not)
"""

import subprocess
import sys
import tempfile
from pathlib import Path

CHECKER = Path(__file__).resolve().parent / "check_layers.py"

# A tree that follows the rules: a header per layer including the one below, CMake links in
# order, a test and a benchmark that may include anything.
CLEAN = {
    "sim/core/CMakeLists.txt": "rlisim_add_library(rlisim_core core a.cpp)\n",
    "sim/core/a.hpp": "#pragma once\n",
    "sim/core/a.cpp": '#include "sim/core/a.hpp"\n',
    "traces/CMakeLists.txt": "target_link_libraries(rlisim_traces PUBLIC rlisim_core)\n",
    "traces/t.hpp": '#pragma once\n#include "sim/core/a.hpp"\n',
    "models/CMakeLists.txt": "target_link_libraries(rlisim_models PUBLIC rlisim_core)\n",
    "models/m.hpp": '#pragma once\n#include "sim/core/a.hpp"\n',
    "sim/net/CMakeLists.txt": "target_link_libraries(rlisim_net PUBLIC rlisim_models)\n",
    "sim/net/n.hpp": '#pragma once\n#include "models/m.hpp"\n',
    "sim/net/n.cpp": '#include "sim/net/n.hpp"\n#include "sim/core/a.hpp"\n',
    "sim/run/CMakeLists.txt": "target_link_libraries(rlisim_run PUBLIC rlisim_net\n"
                              "  # rlisim_app in a comment is no link\n"
                              "  rlisim_traces)\n",
    "sim/run/r.hpp": '#pragma once\n#include "sim/net/n.hpp"\n#include "traces/t.hpp"\n',
    "sim/run/report/w.hpp": '#pragma once\n#include "sim/run/r.hpp"\n',
    "sim/run/report/w.cpp": '#include "sim/run/report/w.hpp"\n',
    "tests/x_test.cpp": '#include "sim/run/r.hpp"\n#include "helper.hpp"\n'
                        '#include "ns3/core-module.h"\n',
    "tests/helper.hpp": "#pragma once\n",
    "bench/b.cpp": '#include "sim/run/report/w.hpp"\n',
}


def run_checker(files, *extra):
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in files.items():
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        proc = subprocess.run([sys.executable, str(CHECKER), "--no-exceptions", *extra, tmp],
                              capture_output=True, text=True, check=False)
        return proc.returncode, proc.stdout + proc.stderr


def with_changes(rel, text):
    """CLEAN with one file replaced or added."""
    return {**CLEAN, rel: text}


CASES = [
    # (name, tree, expected exit code, strings the output must contain)
    ("clean tree passes", CLEAN, 0, ["follow the layer order"]),
    ("models includes net (a back-arrow)",
     with_changes("models/m.hpp", '#pragma once\n#include "sim/core/a.hpp"\n'
                                    '#include "sim/net/n.hpp"\n'),
     1, ['models/m.hpp:3: layer models (models) includes "sim/net/n.hpp" of layer net (sim/net), '
         "which is above it"]),
    ("traces includes models (a sibling, not below)",
     with_changes("traces/t.hpp", '#pragma once\n#include "models/m.hpp"\n'),
     1, ["traces/t.hpp:2: layer traces (traces)", "of layer models (models)",
         "beside it, not below it"]),
    ("a library includes a test header",
     with_changes("sim/net/n.cpp", '#include "sim/net/n.hpp"\n#include "tests/helper.hpp"\n'),
     1, ['sim/net/n.cpp:2: layer net (sim/net) includes "tests/helper.hpp"', "no library"]),
    ("an include that names no file",
     with_changes("tests/x_test.cpp", '#include "sim/run/missing.hpp"\n'),
     1, ['tests/x_test.cpp:1: #include "sim/run/missing.hpp" names no file']),
    ("two headers of one library include each other",
     with_changes("sim/run/r.hpp", '#pragma once\n#include "sim/run/report/w.hpp"\n'),
     1, ["include cycle in layer run (sim/run): sim/run/r.hpp -> sim/run/report/w.hpp -> "
         "sim/run/r.hpp"]),
    ("a source includes the header of a unit that includes its own header",
     with_changes("sim/run/r.cpp", '#include "sim/run/r.hpp"\n#include "sim/run/report/w.hpp"\n'),
     1, ["include cycle between units (a header and its source) in layer run (sim/run): "
         "sim/run/r, sim/run/report/w"]),
    ("CMake links a higher layer",
     with_changes("models/CMakeLists.txt", "target_link_libraries(rlisim_models PUBLIC\n"
                                             "  rlisim_core rlisim_net)\n"),
     1, ["models/CMakeLists.txt:1: target_link_libraries(rlisim_models ...) names rlisim_net "
         "(layer net), which is above it"]),
    ("an include of a lower layer the links do not reach",
     with_changes("sim/run/CMakeLists.txt", "target_link_libraries(rlisim_run PUBLIC "
                                               "rlisim_net)\n"),
     1, ["layer run includes a header of layer traces, but rlisim_run's target_link_libraries "
         "do not reach rlisim_traces"]),
]


def main():
    failed = 0
    for name, files, want_code, want_text in CASES:
        code, out = run_checker(files)
        problems = []
        if code != want_code:
            problems.append(f"exit {code}, expected {want_code}")
        problems += [f"output lacks: {t}" for t in want_text if t not in out]
        if problems:
            failed += 1
            print(f"FAIL {name}: {'; '.join(problems)}\n--- checker output:\n{out}---")
        else:
            print(f"ok   {name}")
    # The exception list of the real tree does not excuse anything in another tree: it only
    # applies without --no-exceptions, and then its entries are reported as stale. (Nothing to
    # check while the list is empty.)
    checker_text = CHECKER.read_text()
    if "KNOWN_EXCEPTIONS: set = set()" in checker_text:
        print("ok   stale exceptions: the list is empty")
        return report(failed)
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in CLEAN.items():
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        proc = subprocess.run([sys.executable, str(CHECKER), tmp], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 1 or "no longer happens: delete the entry" not in proc.stderr:
            failed += 1
            print(f"FAIL stale exceptions are reported: exit {proc.returncode}\n{proc.stderr}")
        else:
            print("ok   stale exceptions are reported")
    return report(failed)


def report(failed):
    if failed:
        print(f"{failed} case(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
