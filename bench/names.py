"""Benchmark: microseconds per name for crm.names.parsing.parse_name, as an import pays them.

    .venv/bin/python bench/names.py [--names 20000]

Kinds of booth-list names, each a list of distinct names so the cache never
answers: plain whole names ("Mary Ann Smith") and first/last cells, the same with
honorifics and post-nominals ("Prof. Dr. Anna Schmidt PhD"; "Dr. Anna" /
"Schmidt PhD"), which skip nameparser too, and names only nameparser reads
("Schmidt, Anna", "Anna van Schmidt", "Jane Roe, MD"). A last run repeats the
parser names, which the cache answers. No database needed.
"""

import argparse
import json
import sys
import time
from itertools import cycle, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.names.parsing import parse_name

FIRST = ("Mary Ann", "Hans", "Søren", "Begoña", "Zoë", "Jean-Luc", "María José", "Giulia", "Aisha")
LAST = ("Smith", "Müller", "Ærø", "Muñoz", "Brändli", "O'Brien", "García Pérez", "Bianchi", "Kim")
PREFIXES = ("Dr.", "Prof. Dr.", "Mr", "Frau", "Sra.")
SUFFIXES = ("PhD", "Jr.", "III", "MBA", "MD")


def surname(number: int, last: str) -> str:
    """A different surname for every row, so that no name repeats: Smithbac, ..."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[digit]
        if not number:
            return last + letters


def whole_plain(count: int) -> list[dict]:
    pairs = islice(cycle(zip(FIRST, LAST, strict=True)), count)
    return [{"full": f"{first} {surname(n, last)}"} for n, (first, last) in enumerate(pairs)]


def cells_plain(count: int) -> list[dict]:
    pairs = islice(cycle(zip(FIRST, LAST, strict=True)), count)
    return [{"first": first, "last": surname(n, last)} for n, (first, last) in enumerate(pairs)]


def whole_titled(count: int) -> list[dict]:
    rows = islice(zip(cycle(FIRST), cycle(PREFIXES), cycle(SUFFIXES)), count)
    return [
        {"full": f"{prefix} {first} {surname(n, 'Schmidt')} {suffix}"}
        for n, (first, prefix, suffix) in enumerate(rows)
    ]


def cells_titled(count: int) -> list[dict]:
    rows = islice(zip(cycle(FIRST), cycle(PREFIXES), cycle(SUFFIXES)), count)
    return [
        {"first": f"{prefix} {first}", "last": f"{surname(n, 'Schmidt')} {suffix}"}
        for n, (first, prefix, suffix) in enumerate(rows)
    ]


def whole_parsed(count: int) -> list[dict]:
    shapes = cycle(("{l}, {f}", "{f} van {l}", "{p} {f} {l}, {s}", "{f} {l} ({s})"))
    rows = islice(zip(shapes, cycle(FIRST), cycle(PREFIXES), cycle(SUFFIXES)), count)
    return [
        {"full": shape.format(p=prefix, f=first, l=surname(n, "Schmidt"), s=suffix)}
        for n, (shape, first, prefix, suffix) in enumerate(rows)
    ]


def microseconds_per_name(names: list[dict]) -> float:
    started = time.perf_counter()
    for name in names:
        parse_name(**name)
    return round((time.perf_counter() - started) / len(names) * 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20_000)
    count = parser.parse_args().names
    parse_name(full="Dr. Warm Up")  # builds the parsers once, as the first row of an import does
    parsed = whole_parsed(count)
    results = {
        "plain whole names": microseconds_per_name(whole_plain(count)),
        "plain first/last cells": microseconds_per_name(cells_plain(count)),
        "whole names with prefixes and suffixes": microseconds_per_name(whole_titled(count)),
        "cells with prefixes and suffixes": microseconds_per_name(cells_titled(count)),
        "names only the parser reads": microseconds_per_name(parsed),
        "parser names again (cached)": microseconds_per_name(parsed[-4000:]),
    }
    print(json.dumps({"names": count, "microseconds_per_name": results}, indent=2))


if __name__ == "__main__":
    main()
