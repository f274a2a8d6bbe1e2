"""build v2: the raion-first join, homonyms settled together, codifier csv/xlsx, `data diff`, the edition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazetteer.build.diff import diff_editions
from gazetteer.build.geonames import AltName, GeoPlace, read_dump
from gazetteer.build.join import join_places
from gazetteer.build.katottg import RawSettlement, default_path, edition_of, read_codifier
from gazetteer.errors import BuildError

OBLAST = "UA63000000000041885"
ADMIN1 = {"07": OBLAST}
# Two raions of one oblast; hromadas 0801/0802 in raion 6308, 1201 in raion 6312.
CENTROIDS = {
    "UA630800": (49.7, 37.6),
    "UA6308001": (49.80, 37.40),
    "UA6308002": (49.80, 37.60),
    "UA6312001": (49.85, 37.15),
}


def settlement(sid: str, name: str, hromada: str, category: str = "C") -> RawSettlement:
    hid = hromada + "0" * (19 - len(hromada))
    return RawSettlement(sid, category, name, OBLAST, hromada[:6] + "0" * 13, hid)


def place(gid: int, name: str, lat: float, lon: float, admin2: str = "", code: str = "PPL", pop: int = 500) -> GeoPlace:
    return GeoPlace(gid, name, lat, lon, pop, "07", code, [AltName(name)], admin2)


def test_place_joins_the_settlement_of_its_own_raion_before_a_nearer_one_elsewhere() -> None:
    own = settlement("A", "Кіндрашівка", "UA6308001")  # 18 km away, in the place's raion
    other = settlement("B", "Кіндрашівка", "UA6312001")  # 6 km away, another raion
    p = place(1, "Кіндрашівка", 49.83, 37.20, admin2="6308")
    assert set(join_places([p], [own, other], ADMIN1, CENTROIDS).by_settlement) == {"A"}


def test_place_falls_back_to_its_oblast_when_its_raion_has_no_such_name() -> None:
    other = settlement("B", "Кіндрашівка", "UA6312001")
    p = place(1, "Кіндрашівка", 49.83, 37.20, admin2="6308")
    result = join_places([p], [other], ADMIN1, CENTROIDS)
    assert set(result.by_settlement) == {"B"} and result.scope["B"] == "oblast"


def test_raion_scope_allows_a_wider_distance_than_the_oblast_scope() -> None:
    s = settlement("A", "Кіндрашівка", "UA6308001")
    far = (49.80 + 0.36, 37.40)  # ~40 km north of its hromada centroid
    in_raion = join_places([place(1, "Кіндрашівка", *far, admin2="6308")], [s], ADMIN1, CENTROIDS)
    no_raion = join_places([place(1, "Кіндрашівка", *far)], [s], ADMIN1, CENTROIDS)
    assert "A" in in_raion.by_settlement and not no_raion.by_settlement
    assert "too far" in no_raion.unmatched[0][2]


def test_homonym_left_alone_after_the_other_is_taken_gets_the_free_one() -> None:
    a = settlement("A", "Радьківка", "UA6308001")
    b = settlement("B", "Радьківка", "UA6308002")
    undecided = place(1, "Радьківка", 49.80, 37.48, admin2="6308")  # 5.8 km to A, 8.6 km to B
    clear = place(2, "Радьківка", 49.80, 37.59, admin2="6308")  # clearly B
    result = join_places([undecided, clear], [a, b], ADMIN1, CENTROIDS)
    assert result.by_settlement["A"][0].geonameid == 1 and result.by_settlement["B"][0].geonameid == 2
    assert result.scope["A"] == "homonyms"


def test_two_undecided_homonyms_are_assigned_by_least_total_distance() -> None:
    a = settlement("A", "Радьківка", "UA6308001")
    b = settlement("B", "Радьківка", "UA6308002")
    p1 = place(1, "Радьківка", 49.80, 37.48, admin2="6308")
    p2 = place(2, "Радьківка", 49.80, 37.52, admin2="6308")
    result = join_places([p1, p2], [a, b], ADMIN1, CENTROIDS)
    assert result.by_settlement["A"][0].geonameid == 1 and result.by_settlement["B"][0].geonameid == 2


def test_homonyms_of_one_hromada_stay_on_the_centroid_with_a_reason() -> None:
    a = settlement("A", "Радьківка", "UA6308001")
    b = settlement("B", "Радьківка", "UA6308001")
    result = join_places([place(1, "Радьківка", 49.81, 37.41, admin2="6308")], [a, b], ADMIN1, CENTROIDS)
    assert not result.by_settlement and "2 settlements of that name" in result.unmatched[0][2]


def test_a_living_place_beats_an_abandoned_one_of_the_same_name() -> None:
    s = settlement("A", "Кіндрашівка", "UA6308001")
    dead = place(1, "Кіндрашівка", 49.80, 37.40, admin2="6308", code="PPLQ", pop=5000)
    alive = place(2, "Кіндрашівка", 49.81, 37.41, admin2="6308")
    assert join_places([dead, alive], [s], ADMIN1, CENTROIDS).by_settlement["A"][0].geonameid == 2


def test_a_name_with_digits_does_not_join() -> None:
    s = settlement("A", "Чорнобиль", "UA6308001", "M")
    result = join_places([place(1, "Chornobyl-2", 49.80, 37.40, admin2="6308")], [s], ADMIN1, CENTROIDS)
    assert not result.by_settlement


def test_bundled_dump_is_read_from_its_zip_with_the_raion_code() -> None:
    places = read_dump(Path(__file__).parents[1] / "gazetteer" / "build" / "sources" / "UA.zip")
    kupiansk = next(p for p in places if p.geonameid == 703656)
    assert kupiansk.admin2 == "6308" and len(places) > 30_000


# -- the codifier: csv and xlsx, the edition ---------------------------------------------------------
HEADER = [
    "Перший рівень",
    "Другий рівень",
    "Третій рівень",
    "Четвертий рівень",
    "Додатковий рівень",
    "Категорія",
    "Назва",
]


def codifier_rows(n: int = 1001, rename: dict[int, str] | None = None) -> list[list[str]]:
    o, r, h = "UA63000000000041885", "UA63080000000012345", "UA63080070000012345"
    rows = [
        [o, "", "", "", "", "O", "Харківська"],
        [o, r, "", "", "", "P", "Куп’янський"],
        [o, r, h, "", "", "H", "Куп’янська "],
    ]
    for i in range(n):
        name = (rename or {}).get(i, f"Село{i}")
        rows.append([o, r, h, f"UA6308007{i:04d}{i:06d}", "", "C", name])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    text = "\r\n".join(";".join(r) for r in [HEADER, *rows]) + "\r\n"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    return path


def test_codifier_csv_with_bom_and_semicolons_is_read(tmp_path: Path) -> None:
    units, settlements = read_codifier(write_csv(tmp_path / "k.csv", codifier_rows()))
    assert len(settlements) == 1001 and settlements[0].name_uk == "Село0"
    assert units["UA63080070000012345"].name_uk == "Куп’янська"  # trailing space trimmed


def test_codifier_xlsx_with_a_multi_row_header_is_read(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Кодифікатор адміністративно-територіальних одиниць"])
    ws.append(["(наказ Мінрегіону)"])
    ws.append(HEADER)
    for row in codifier_rows():
        ws.append([c or None for c in row])
    wb.save(tmp_path / "k.xlsx")
    _units, settlements = read_codifier(tmp_path / "k.xlsx")
    assert [s.name_uk for s in settlements[:2]] == ["Село0", "Село1"] and len(settlements) == 1001


def test_a_file_that_is_not_a_codifier_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(BuildError, match="only 0 settlements"):
        read_codifier(tmp_path / "x.csv")


def test_edition_date_comes_from_the_file_name() -> None:
    assert edition_of(Path("bnotezz_kodifikator-02-07-2025.csv")) == "2025-07-02"
    assert edition_of(Path("kodifikator-2025-07-02.xlsx")) == "2025-07-02"
    assert edition_of(Path("kodifikator.xlsx")) == ""


def test_bundled_codifier_is_the_edition_of_2_july_2025() -> None:
    assert edition_of(default_path()) == "2025-07-02"
    _units, settlements = read_codifier()
    names = {s.id: s.name_uk for s in settlements}
    assert names["UA07020190150031508"] == "Цуцнів"  # renamed in June 2025 (was Петрове)


def test_diff_lists_added_removed_renamed(tmp_path: Path) -> None:
    old = write_csv(tmp_path / "old.csv", codifier_rows(1002))
    new = write_csv(tmp_path / "new.csv", codifier_rows(1001, rename={5: "Нова Надія"}))
    report = diff_editions(old, new)
    assert report["counts"]["renamed"] == 1 and report["renamed"][0]["old_name_uk"] == "Село5"
    assert report["renamed"][0]["new_name_uk"] == "Нова Надія"
    assert [r["name_uk"] for r in report["removed"]] == ["Село1001"] and report["added"] == []


def test_cli_diff_prints_the_renamed_settlement(tmp_path: Path, capsys) -> None:
    from gazetteer.cli import main

    old = write_csv(tmp_path / "old.csv", codifier_rows())
    new = write_csv(tmp_path / "new.csv", codifier_rows(rename={7: "Цуцнів"}))
    assert main(["data", "diff", str(old), str(new), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["renamed"] == [
        {"id": "UA63080070007000007", "old_name_uk": "Село7", "new_name_uk": "Цуцнів", "oblast": "Харківська"}
    ]


def test_diff_against_an_extract_folder_reads_its_settlements(tmp_path: Path) -> None:
    from gazetteer.store import bundled_data_dir

    report = diff_editions(bundled_data_dir(), default_path())
    assert report["counts"]["new_settlements"] == report["counts"]["old_settlements"]
    assert report["counts"]["renamed"] == 0  # the bundled extract is built from that very edition


# -- data info, data update --codifier ---------------------------------------------------------------
def test_data_info_json_reports_points_coordinates_former_names_and_edition(capsys) -> None:
    from gazetteer.cli import main

    assert main(["data", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["point"] >= 26_000 and info["codifier_edition"] == "2025-07-02"
    assert info["with_coordinates"] == info["with_precision"] == info["settlements"]
    assert info["with_former_names"] >= 1_350  # the floor; settlements in former_names.tsv


def test_update_with_a_broken_codifier_keeps_the_previous_extract(tmp_path: Path) -> None:
    from gazetteer import store
    from gazetteer.build.update import update
    from gazetteer.errors import UpdateError

    bad = tmp_path / "kodifikator-2025-09-01.csv"
    bad.write_text("not;a;codifier\n", encoding="utf-8")
    before = store.data_dir()
    with pytest.raises(UpdateError, match="only 0 settlements"):
        update(codifier=bad, home=tmp_path / "home")
    assert not (tmp_path / "home" / "current").exists() and store.data_dir() == before


@pytest.mark.slow
def test_update_with_a_newer_codifier_renames_and_keeps_the_old_name_as_former(tmp_path: Path, monkeypatch) -> None:
    from gazetteer import store
    from gazetteer.build.update import reset, update

    home = tmp_path / "home"
    monkeypatch.setenv("GAZETTEER_HOME", str(home))
    text = default_path().read_bytes().decode("utf-8-sig")
    assert text.count(";Цуцнів\r\n") == 1
    newer = tmp_path / "kodifikator-2025-09-01.csv"
    newer.write_bytes("\ufeff".encode() + text.replace(";Цуцнів\r\n", ";Нові Цуцнівці\r\n").encode("utf-8"))
    manifest = update(codifier=newer)
    assert manifest["sources"][0]["edition"] == "2025-09-01"
    try:
        store.reset_cache()
        ex = store.get_extract()
        assert ex.path.parent == home / "extracts"
        s = ex.settlement("UA07020190150031508")
        assert s.name_uk == "Нові Цуцнівці"
        kinds = {ex.name_text[i]: ex.name_kind[i] for i, n in enumerate(ex.name_settlement) if ex.settlements[n] is s}
        assert kinds["Цуцнів"] == "renamed"
    finally:
        assert reset(home)
        store.reset_cache()
