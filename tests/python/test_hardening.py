"""Issue 16, hardening round two, from Python: each case the Python API reaches raises an
``InnodexError`` subclass with a short message naming the file, line, column, key or row, or
gives the documented answer. (The Rust side: ``tests/it/hardening.rs``.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import innodex
import pandas as pd
import pytest
from innodex import CompositeIndexError, GrowthError, InnodexError, Plan, PlanError

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORK = {
    "indicators": [{"code": "a", "parent": "ix"}, {"code": "b", "parent": "ix"}],
    "aggregates": [{"code": "ix"}],
}


def test_case1_with_observation_refuses_a_percent_ratio_of_140():
    plan = Plan.builtin()
    with pytest.raises(PlanError) as e:
        plan.with_observation("rd_share", 2020, 140.0)
    assert str(e.value) == (
        "indicator `rd_share` (ratio): value 140 is outside [0, 100] (year 2020)"
    )
    assert isinstance(e.value, InnodexError)
    ok = plan.with_observation("rd_share", 2020, 1.9)
    obs = ok.observations().query("indicator == 'rd_share' and year == 2020")
    assert obs["value"].item() == 1.9


@pytest.fixture(scope="module")
def big_line(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("bigline") / "big.toml"
    with open(p, "w", encoding="utf-8") as f:
        f.write("[plan]\nid = ")
        f.write("x" * 50_000_000)
        f.write("\n")
    return p


@pytest.mark.parametrize(
    "load, error",
    [
        (Plan.from_file, PlanError),
        (innodex.Scenarios.from_file, innodex.ProjectionError),
        (innodex.index.run_spec, CompositeIndexError),
    ],
)
def test_case2_a_50_mb_line_gives_a_short_message_naming_file_line_and_column(
    big_line, load, error
):
    with pytest.raises(error) as e:
        load(big_line)
    msg = str(e.value)
    assert len(msg) < 500, len(msg)
    assert msg.startswith(f"{big_line}:2:6: key `id`: "), msg[:200]


def test_case3_a_target_referencing_its_own_indicator_is_refused(tmp_path):
    text = (
        Plan.builtin()
        .to_toml()
        .replace('reference = "shandong_rd_share"', 'reference = "rd_share"')
    )
    p = tmp_path / "cycle.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as e:
        Plan.from_file(p)
    assert str(e.value) == "reference cycle: `rd_share` (target `rd_share`) → `rd_share`"


@pytest.mark.parametrize("bad", [float("inf"), float("-inf")])
def test_case4_infinite_index_values_are_refused_naming_row_and_column(bad):
    df = pd.DataFrame({"uCode": ["A", "B", "C"], "a": [1.0, bad, 2.0], "b": [2.0, 3.0, 4.0]})
    with pytest.raises(CompositeIndexError) as e:
        innodex.CompositeIndex.from_frames(df, framework=FRAMEWORK)
    assert "row 2, column `a`" in str(e.value)
    assert "is not a finite number" in str(e.value)
    # NaN remains the documented missing value.
    df.loc[1, "a"] = float("nan")
    idx = innodex.CompositeIndex.from_frames(df, framework=FRAMEWORK)
    assert idx.units == ["A", "B", "C"]


def test_case5_an_index_csv_with_a_byte_order_mark_is_read(tmp_path):
    idata = tmp_path / "idata.csv"
    idata.write_bytes(b"\xef\xbb\xbfuCode,a,b\nA,1,2\nB,2,3\nC,3,1\n")
    imeta = tmp_path / "imeta.csv"
    imeta.write_text(
        "iCode,Parent,Type,Level\na,ix,Indicator,1\nb,ix,Indicator,1\nix,,Aggregate,2\n",
        encoding="utf-8",
    )
    idx = innodex.CompositeIndex.from_csv(idata, imeta)
    assert idx.units == ["A", "B", "C"]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")
def test_case6_fifos_devices_and_large_files_are_refused(tmp_path, monkeypatch):
    fifo = tmp_path / "plan.toml"
    os.mkfifo(fifo)
    with pytest.raises(PlanError, match=r"not a regular file \(a FIFO\)"):
        Plan.from_file(fifo)
    with pytest.raises(innodex.ProjectionError, match=r"a character device"):
        innodex.Scenarios.from_file("/dev/zero")
    plan = ROOT / "plans" / "linyi-2021-2025.toml"
    monkeypatch.setenv("INNODEX_MAX_FILE_BYTES", "1000")
    with pytest.raises(PlanError) as e:
        Plan.from_file(plan)
    size = plan.stat().st_size
    assert f"{size} bytes is above the limit of 1000 bytes" in str(e.value)
    monkeypatch.delenv("INNODEX_MAX_FILE_BYTES")
    assert Plan.from_file(plan).to_toml() == Plan.builtin().to_toml()
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as f:
        f.truncate(5 << 30)  # sparse: nothing is written
    with pytest.raises(PlanError, match=r"5368709120 bytes is above the limit of 67108864 bytes"):
        Plan.from_file(huge)


def test_case7_a_header_without_rows_says_no_data_rows():
    df = pd.DataFrame({"uCode": [], "a": [], "b": []})
    with pytest.raises(CompositeIndexError, match=r"^iData: no data rows \(only a header\)$"):
        innodex.CompositeIndex.from_frames(df, framework=FRAMEWORK)


def test_case8_years_to_target_of_a_start_already_meeting_the_target_is_zero():
    assert innodex.years_to_target(3.5, 3.0, 0.02) == 0.0
    assert innodex.years_to_target(3.5, 3.0, -0.05) == pytest.approx(3.005279377506163, rel=1e-12)
    with pytest.raises(GrowthError, match="never reached"):
        innodex.years_to_target(3.0, 3.5, -0.05)
