"""Runs a command, and reports its wall time and the peak resident memory of its processes by
kind: the JVM, the driver's Python, Spark's Python workers (sampled from /proc every 0.1 s).

    python benchmarks/spark/measure.py -- spark-submit --master 'local[2]' ...
"""

import os
import subprocess
import sys
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def processes():
    """pid -> (parent pid, resident kB, command line) of every process."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(name)] = (int(fields[1]), int(fields[21]) * PAGE_KB, command)
    return found


def kind(command):
    if "java" in command.split(" ", 1)[0]:
        return "jvm"
    if "pyspark.daemon" in command or "pyspark.worker" in command:
        return "python worker"
    if "python" in command:
        return "python (driver or kernel)"
    return "other"


def main():
    command = sys.argv[sys.argv.index("--") + 1 :]
    started = time.monotonic()
    child = subprocess.Popen(command)
    peaks, peak_total = {}, 0
    while child.poll() is None:
        table = processes()
        family, changed = {child.pid}, True
        while changed:
            changed = False
            for pid, (parent, _, _) in table.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    changed = True
        total = 0
        for pid in family:
            if pid in table:
                _, rss, cmd = table[pid]
                total += rss
                k = kind(cmd)
                peaks[k] = max(peaks.get(k, 0), rss)
        peak_total = max(peak_total, total)
        time.sleep(0.1)
    wall = time.monotonic() - started
    print(f"measure: exit {child.returncode}, wall {wall:.2f} s", file=sys.stderr)
    for k, rss in sorted(peaks.items()):
        print(f"measure: peak RSS of one {k} process: {rss / 1024:.0f} MiB", file=sys.stderr)
    print(f"measure: peak RSS of all its processes together: {peak_total / 1024:.0f} MiB", file=sys.stderr)
    return child.returncode


if __name__ == "__main__":
    raise SystemExit(main())
