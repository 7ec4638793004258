"""Reads PostgreSQL log text (log_statement=all, Debian's log_line_prefix
'%m [%p] %q%u@%d ') on stdin and prints, one per line, each statement that
USER@DATABASE (argv[1]) sent, with its bound parameters written in as
literals: bench/compare.sh counts these lines and replays them with pgbench.
"""
import re
import sys

START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
PLACEHOLDER = re.compile(r"\$(\d+)\b")


def entries(lines, who):
    """(kind, text) of each log entry of `who`; continuation lines joined."""
    marker = f" {who} "
    current = None
    for line in lines:
        if START.match(line):
            if current:
                yield current
            current = None
            if marker not in line:
                continue
            rest = line.split(marker, 1)[1]
            kind, _, text = rest.partition(":  ")
            current = [kind, text.rstrip("\n")]
        elif current is not None:
            current[1] += " " + line.strip()
    if current:
        yield current


def main():
    who = sys.argv[1]
    pending = None
    out = []
    for kind, text in entries(sys.stdin, who):
        if kind == "LOG":
            match = STATEMENT.match(text)
            if match:
                pending = match.group(1).strip()
                out.append(pending)
        elif kind == "DETAIL" and text.startswith("parameters:") and out:
            values = dict(PARAMETER.findall(text))
            out[-1] = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), out[-1])
    for statement in out:
        print(" ".join(statement.split()).rstrip(";"))


main()
