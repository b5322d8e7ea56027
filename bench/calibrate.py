"""How fast this machine runs Python right now, to compare bench figures across runs.

The VMs these benches run on vary in speed by up to 2x from hour to hour (other tenants of
the host). A fixed workload of the kind the server does (JSON, dicts, strings), timed just
before a run, tells how fast the machine was: a figure from a run with `calibration_ms`
1.5x higher came from a machine 1.5x slower.
"""

from __future__ import annotations

import json
import statistics
import time

_DOCUMENT = {
    "messages": [{"role": "user", "content": f"message {n} " + "word " * 40} for n in range(50)]
}


def _workload() -> None:
    for _ in range(20):
        text = json.dumps(_DOCUMENT)
        parsed = json.loads(text)
        joined = "".join(m["content"] for m in parsed["messages"])
        {word: len(word) for word in joined.split()}


def calibration_ms(repeats: int = 7) -> float:
    """The median time of the fixed workload, in ms (lower is faster)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _workload()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


if __name__ == "__main__":
    print(calibration_ms())
