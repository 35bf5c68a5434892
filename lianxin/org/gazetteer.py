"""The address gazetteer (地址库): road + house-number ranges (all, odd or even numbers) and named
estates → grid. A community imports its part from CSV (`lianxin org import-gazetteer`), and every
dispatcher's correction of an appeal's grid teaches it that address (`learn`).

Lookup: a road and number found in the address wins over an estate; among the ranges holding the
number a dispatcher's correction wins over an import, then the narrowest range; a tie between
different grids finds nothing (a dispatcher decides).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from .models import AddressEntry, AddressParity, AddressSource, Area, AreaLevel
from .selectors import area_subtree_q

# Everything up to the last of these is the administrative part of an address, not the road.
_ADMIN_CUT = re.compile(r".*(?:省|市|区|县|街道|镇|乡|社区|[\s,，、;；:：()（）])")
_ROAD_NUMBER = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{1,30}?(?:大街|大道|胡同|路|街|道|巷|弄|里))(\d{1,5})号")
_ESTATE = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{1,30}?(?:小区|花园|家园|公寓|新村|大院|苑|园|大厦|广场))")
ESTATES_CACHE_KEY = "lianxin:gazetteer:estates"
COLUMNS = ("grid", "road", "from", "to", "parity", "estate")
MAX_ROWS = 50_000
PARITY_WORDS = {
    "": AddressParity.ALL,
    "all": AddressParity.ALL,
    "全": AddressParity.ALL,
    "odd": AddressParity.ODD,
    "单": AddressParity.ODD,
    "单号": AddressParity.ODD,
    "even": AddressParity.EVEN,
    "双": AddressParity.EVEN,
    "双号": AddressParity.EVEN,
}


def normalise(text: str) -> str:
    """Full-width to half-width, no spaces, lower case: the form keys are stored and compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def _tail(text: str) -> str:
    return _ADMIN_CUT.sub("", text, count=1)


def road_and_number(address: str) -> tuple[str, int] | None:
    """`("建设路", 128)` from `长安街道建设路128号3单元`; None without a road and number."""
    text = re.sub(r"\s+(?=\d)", "", unicodedata.normalize("NFKC", address or ""))
    for match in _ROAD_NUMBER.finditer(text):
        road = normalise(_tail(text[: match.start(2)]))
        if road and _ROAD_NUMBER.fullmatch(f"{road}{match.group(2)}号"):
            return road, int(match.group(2))
    return None


def estate_in(address: str) -> str:
    """The estate-like name of an address (`幸福家园`), or "" — what a correction learns."""
    text = unicodedata.normalize("NFKC", address or "")
    match = _ESTATE.search(_tail(text.split("号")[0]) if "号" in text else _tail(text))
    return normalise(match.group(1)) if match else ""


def _fits(entry: AddressEntry, number: int) -> bool:
    assert entry.number_from is not None
    assert entry.number_to is not None
    if not entry.number_from <= number <= entry.number_to:
        return False
    return entry.parity == AddressParity.ALL or (number % 2 == 1) == (entry.parity == AddressParity.ODD)


def _best(entries: list[AddressEntry]) -> Area | None:
    def rank(e: AddressEntry) -> tuple[int, int]:
        width = (e.number_to or 0) - (e.number_from or 0) if not e.estate else 0
        return (0 if e.source == AddressSource.CORRECTION else 1, width)

    if not entries:
        return None
    entries.sort(key=rank)
    best = [e for e in entries if rank(e) == rank(entries[0])]
    grids = {e.grid_id for e in best}
    return best[0].grid if len(grids) == 1 else None


def _estates() -> dict[str, list[int]]:
    """Every estate name → the entry ids, cached until the gazetteer changes."""
    estates: dict[str, list[int]] | None = cache.get(ESTATES_CACHE_KEY)
    if estates is None:
        estates = {}
        for pk, name in AddressEntry.objects.exclude(estate="").values_list("pk", "estate"):
            estates.setdefault(name, []).append(pk)
        cache.set(ESTATES_CACHE_KEY, estates, 3600)
    return estates


def estates_changed() -> None:
    # now (this transaction reads its own change) and after the commit (another process may have
    # cached the old list in between)
    cache.delete(ESTATES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ESTATES_CACHE_KEY))


def grid_for_address(address: str) -> Area | None:
    """The grid the gazetteer gives an address, or None (unknown or ambiguous)."""
    parsed = road_and_number(address)
    if parsed is not None:
        road, number = parsed
        ranges = [
            e
            for e in AddressEntry.objects.filter(
                road=road, number_from__lte=number, number_to__gte=number
            ).select_related("grid")
            if _fits(e, number)
        ]
        found = _best(ranges)
        if found is not None:
            return found
    text = normalise(address)
    names = [name for name in _estates() if name in text]
    if not names:
        return None
    longest = max(len(n) for n in names)
    ids = [pk for name in names if len(name) == longest for pk in _estates()[name]]
    return _best(list(AddressEntry.objects.filter(pk__in=ids).select_related("grid")))


def learn(*, address: str, grid: Area) -> AddressEntry | None:
    """A dispatcher moved an appeal with this address to `grid`: the address → grid is learned (the
    exact road number, else the estate). Nothing is learned from an address with neither, or for an
    area that is not a grid."""
    if grid.level != AreaLevel.GRID:
        return None
    parsed = road_and_number(address)
    if parsed is not None:
        road, number = parsed
        entry, _ = AddressEntry.objects.update_or_create(
            road=road,
            number_from=number,
            number_to=number,
            parity=AddressParity.ALL,
            source=AddressSource.CORRECTION,
            estate="",
            defaults={"grid": grid},
        )
    elif estate := estate_in(address):
        entry, _ = AddressEntry.objects.update_or_create(
            estate=estate, road="", source=AddressSource.CORRECTION, defaults={"grid": grid}
        )
    else:
        return None
    estates_changed()
    return entry


# --- import from CSV --------------------------------------------------------------------------


@dataclass
class Refusal:
    row: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    replaced: int = 0
    refused: list[Refusal] = field(default_factory=list)


def _number(value: str, name: str) -> int:
    value = normalise(value)
    if not value.isdigit() or len(value) > 6:
        raise ValueError(f"{name} must be a house number (a whole number), not {value!r}")
    return int(value)


def _parse_row(row: dict[str, str], grids: dict[str, Area]) -> AddressEntry:
    code = (row.get("grid") or "").strip()
    if not code:
        raise ValueError("grid is empty; give the grid's code")
    grid = grids.get(code)
    if grid is None:
        raise ValueError(f"grid {code!r} is not a grid of this area")
    road, estate = normalise(row.get("road") or ""), normalise(row.get("estate") or "")
    if bool(road) == bool(estate):
        raise ValueError("give either road (with from/to) or estate, not both and not neither")
    if len(road) > 60 or len(estate) > 60:
        raise ValueError("road and estate are at most 60 characters")
    if estate:
        return AddressEntry(grid=grid, estate=estate)
    low = _number(row.get("from") or "", "from")
    high = _number(row.get("to") or "", "to") if (row.get("to") or "").strip() else low
    if high < low:
        raise ValueError(f"from {low} is greater than to {high}")
    parity = PARITY_WORDS.get(normalise(row.get("parity") or ""))
    if parity is None:
        raise ValueError("parity must be all, odd or even (全/单/双)")
    return AddressEntry(grid=grid, road=road, number_from=low, number_to=high, parity=parity)


def _overlaps(a: AddressEntry, b: AddressEntry) -> bool:
    if a.road != b.road or a.estate != b.estate:
        return False
    if a.estate:
        return True
    assert a.number_from is not None
    assert a.number_to is not None
    assert b.number_from is not None
    assert b.number_to is not None
    if a.number_to < b.number_from or b.number_to < a.number_from:
        return False
    return AddressParity.ALL in (a.parity, b.parity) or a.parity == b.parity


def gazetteer_import(*, text: str, area: Area, dry_run: bool) -> ImportReport:
    """Import a CSV (header `grid,road,from,to,parity,estate`) for the grids inside `area`.

    Every row is checked, and a bad one is listed with its row number and why. A real run replaces
    the imported entries of `area`'s grids in one transaction and imports nothing when any row is
    bad; dispatchers' corrections are kept."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if "grid" not in header or not {"road", "estate"} & set(header):
        report.refused.append(Refusal(1, f"the header must name the columns {', '.join(COLUMNS)}"))
        return report
    # the grids in `area`'s subtree (`area` itself when it is a grid)
    grids = {
        g.code: g
        for g in Area.objects.filter(area_subtree_q([area.path], prefix="path"), level=AreaLevel.GRID)
    }
    entries: list[tuple[int, AddressEntry]] = []
    for number, raw in enumerate(reader, start=2):
        report.rows += 1
        if report.rows > MAX_ROWS:
            report.refused.append(Refusal(number, f"more than {MAX_ROWS} rows; split the file"))
            break
        row = {(k or "").strip(): (v or "") for k, v in raw.items() if isinstance(v, str)}
        try:
            entry = _parse_row(row, grids)
        except ValueError as exc:
            report.refused.append(Refusal(number, str(exc)))
            continue
        clash = next(
            (n for n, other in entries if other.grid_id != entry.grid_id and _overlaps(entry, other)), None
        )
        if clash is not None:
            report.refused.append(Refusal(number, f"overlaps row {clash}, which gives another grid"))
            continue
        entries.append((number, entry))
    report.imported = len(entries)
    if dry_run or report.refused:
        if not dry_run:
            report.imported = 0
        return report
    with transaction.atomic():
        old = AddressEntry.objects.filter(grid__in=list(grids.values()), source=AddressSource.IMPORT)
        report.replaced, _ = old.delete()
        AddressEntry.objects.bulk_create([e for _, e in entries])
        estates_changed()
    return report
