"""A scan's skew is found and taken off, and its grey paper made white, before reading."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.numeric_bench import generated_scored_pages
from preciso_dagster.core.extraction.paper import with_paper_white
from preciso_dagster.core.extraction.straighten import box_turned, page_as_read, page_skew


@pytest.fixture(scope="module")
def statement() -> Image.Image:
    (page,) = [p for p in generated_scored_pages(1, 200) if p.name == "columns2-0"]
    return page.image


@pytest.mark.parametrize("degrees", [-2.5, -1.3, -0.6, 0.4, 1.7, 3.2])
def test_a_skewed_page_is_found_skewed_by_the_turn_that_levels_it(
    statement: Image.Image, degrees: float
) -> None:
    skewed = statement.rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    )
    assert page_skew(skewed) == pytest.approx(-degrees, abs=0.1)


def test_a_level_page_and_a_blank_page_are_left_as_they_are(statement: Image.Image) -> None:
    assert page_skew(statement) == 0.0
    assert page_skew(Image.new("L", (800, 1000), 255)) == 0.0
    assert page_as_read(statement, 0, 0.0) is statement


def test_a_box_turned_and_turned_back_lands_where_it_was() -> None:
    size = (1700, 2200)
    turned = Image.new("L", size).rotate(1.5, expand=True).size
    box = (1200, 300, 1400, 330)
    there = box_turned(box, size, turned, 1.5)
    assert there != box
    back = box_turned(there, turned, size, -1.5)
    # The box around turned corners grows by the turn; its centre stays.
    assert abs((back[0] + back[2]) - (box[0] + box[2])) <= 2
    assert abs((back[1] + back[3]) - (box[1] + box[3])) <= 2


def test_a_quarter_turn_then_a_skew_gives_the_page_extraction_read() -> None:
    page = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(page).rectangle((10, 10, 50, 20), fill=0)
    upright = page_as_read(page, 90, 0.0)
    assert upright.size == (200, 300)
    level = page_as_read(page, 90, 1.0)
    assert level.size[0] > 200 and level.size[1] > 300
    # The corners a skew uncovers take the paper's shade, not black.
    assert np.asarray(level)[0, 0] == 255


def _grey_scan(page: Image.Image, band: bool = False) -> Image.Image:
    """`page` on paper lit unevenly, from 215 to 240 grey across, with sensor noise; with
    `band`, a dark fill across the middle holding white print."""
    grey = np.asarray(page, dtype=np.float32)
    light = np.linspace(215, 240, grey.shape[1], dtype=np.float32)[None, :]
    scanned = grey * light / 255 + np.random.default_rng(3).normal(0, 8, grey.shape)
    if band:
        middle = grey.shape[0] // 2
        scanned[middle : middle + 120, 100:-100] = 40
        scanned[middle + 40 : middle + 80, 300:340] = 235
    return Image.fromarray(np.clip(scanned, 0, 255).astype(np.uint8))


def test_grey_paper_turns_white_and_the_ink_keeps_its_darkness(statement: Image.Image) -> None:
    clean = np.asarray(statement)
    clean_ink, paper = clean < 128, clean == 255
    scan = _grey_scan(statement)
    whitened = np.asarray(with_paper_white(scan))
    # The grey paper read as faint ink (under 200) in places; white, it hardly ever does,
    # and the print is as dark as it was.
    assert np.mean(np.asarray(scan)[paper] < 200) > 0.002
    assert np.mean(whitened[paper] < 200) < 0.0005
    assert np.mean(whitened[clean_ink] < 128) > 0.95


def test_a_page_on_white_paper_is_left_exactly_as_it_is(statement: Image.Image) -> None:
    assert with_paper_white(statement) is statement
    with_band = statement.copy()
    ImageDraw.Draw(with_band).rectangle((100, 900, 1500, 1100), fill=60)  # a shaded fill
    assert with_paper_white(with_band) is with_band


def test_a_dark_fill_on_grey_paper_keeps_its_shade_and_its_light_print(
    statement: Image.Image,
) -> None:
    whitened = np.asarray(with_paper_white(_grey_scan(statement, band=True)))
    middle = whitened.shape[0] // 2
    assert whitened[middle + 10 : middle + 30, 150:250].mean() < 80  # the fill
    assert whitened[middle + 45 : middle + 75, 305:335].mean() > 200  # its light print
