#!/usr/bin/env python3
"""Top functions of a callgrind output file, by self and by inclusive cost.

    bench/callgrind_top.py FILE [TOP]

valgrind 3.19's callgrind_annotate attributes a whole Rust server's cost to
its thread entry point (one line, 100 %), so bench/profile.sh reads the file
itself: self cost is what a function's own lines cost; inclusive cost adds
what its calls cost. Recursive cycles, which callgrind names with a 'N
suffix, count their calls again on every level, so they are left out of the
inclusive list.
"""

import collections
import re
import sys

NAME = re.compile(r"\((\d+)\)(?: (.*))?")


def costs(path):
    """Self and call costs per function name, and the total of self costs."""
    names = {}
    self_cost = collections.Counter()
    call_cost = collections.Counter()
    current = callee = None
    after_calls = False

    def name(token):
        match = NAME.match(token)
        if match.group(2):
            names[match.group(1)] = match.group(2)
        return names[match.group(1)]

    with open(path, errors="replace") as lines:
        for line in lines:
            if line.startswith("fn="):
                current, after_calls = name(line[3:].rstrip("\n")), False
            elif line.startswith("cfn="):
                callee = name(line[4:].rstrip("\n"))
            elif line.startswith("calls="):
                after_calls = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                fields = line.split()
                if len(fields) < 2 or current is None:
                    continue
                cost = int(fields[1])
                if after_calls:
                    after_calls = False
                    if callee != current:
                        call_cost[current] += cost
                else:
                    self_cost[current] += cost
    return self_cost, call_cost


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: callgrind_top.py FILE [TOP]")
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    self_cost, call_cost = costs(sys.argv[1])
    total = sum(self_cost.values()) or 1
    print(f"total instructions: {total:,}")
    print(f"\ntop {top} by self cost")
    for function, cost in self_cost.most_common(top):
        print(f"{cost / total * 100:6.2f}% {cost:>14,}  {function[:160]}")
    recursive = re.compile(r"'\d+$")
    inclusive = collections.Counter(
        {
            f: self_cost[f] + call_cost[f]
            for f in set(self_cost) | set(call_cost)
            if not recursive.search(f)
        }
    )
    print(f"\ntop {top} by inclusive cost")
    for function, cost in inclusive.most_common(top):
        print(f"{cost / total * 100:6.2f}% {cost:>14,}  {function[:160]}")


if __name__ == "__main__":
    main()
