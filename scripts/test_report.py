"""What the suite's legs did, from their JUnit reports: the tests each ran, failed and
skipped, and the 25 slowest tests over all legs (setup, call and teardown together)."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SLOWEST = 25


def main(paths: list[str]) -> None:
    timings = []
    for path in paths:
        leg = Path(path).stem
        root = ET.parse(path).getroot()
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        seconds = 0.0
        for suite in suites:
            for key in totals:
                totals[key] += int(suite.get(key, 0))
            seconds += float(suite.get("time", 0))
        print(
            f"{leg:>16}: {totals['tests']} tests, {totals['failures']} failed, "
            f"{totals['errors']} errors, {totals['skipped']} skipped, {seconds:.0f} s"
        )
        for case in root.iter("testcase"):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            timings.append((float(case.get("time", 0)), leg, name))
    print(f"== the {SLOWEST} slowest tests")
    for seconds, leg, name in sorted(timings, reverse=True)[:SLOWEST]:
        print(f"{seconds:7.2f} s  {leg:<15} {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
