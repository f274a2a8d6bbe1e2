"""Peak memory of the current process, measured so that a child does not inherit its parent's peak."""

from __future__ import annotations

import resource


def peak_rss_kib() -> int:
    """This process's own peak resident set size in KiB.

    Read from ``VmHWM`` in ``/proc/self/status``: that high-water mark belongs to the address space and
    starts afresh at ``exec``. ``ru_maxrss`` does not: Linux carries the parent's resident size at
    fork time into the child's maximum, so a small job started from a large benchmark process would report
    the parent's memory as its own. ``ru_maxrss`` remains the fallback where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
