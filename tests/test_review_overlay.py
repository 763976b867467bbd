"""Reviewers' decisions as an overlay: states, corrected text and words, and the pipeline
continuing by itself once a document's last item is decided."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import select

from preciso_dagster.core.appdb.models import ReviewItem, ReviewStatus, TrainingExample
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.errors import InvalidRequestError
from preciso_dagster.core.pages import PageRecord
from preciso_dagster.core.questions.index import search
from preciso_dagster.core.review.items import decide
from preciso_dagster.core.review.overlay import Decision
from preciso_dagster.core.review.overlay import confirmed_pages as overlay
from preciso_dagster.core.settings import Settings
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.numeric.assets import normalized_text
from preciso_dagster.defs.numeric.checks import normalized_text_keeps_numbers, numbers_verified
from preciso_dagster.defs.pipeline.review_sensors import review_settled_sensor
from preciso_dagster.defs.questions.assets import document_passages, passages_keep_numbers
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.review.assets import confirmed_pages, numbers_settled
from preciso_dagster.defs.training.assets import line_item_candidates
from preciso_dagster.defs.training.checks import candidate_amounts_match_pages
from tests import fixtures
from tests.conftest import register

PIPELINE = [
    document_pages,
    confirmed_pages,
    normalized_text,
    document_passages,
    line_item_candidates,
    numbers_verified,
    numbers_settled,
    normalized_text_keeps_numbers,
    passages_keep_numbers,
    candidate_amounts_match_pages,
]


def _page() -> PageRecord:
    text = "Revenue\t1,250\nCash\t7S"
    return PageRecord.model_validate(
        {
            "index": 0,
            "text": text,
            "words": [
                {"text": "Revenue", "box": [0, 0, 50, 10]},
                {"text": "1,250", "box": [100, 0, 140, 10]},
                {"text": "Cash", "box": [0, 20, 30, 30]},
                {"text": "7S", "box": [100, 20, 120, 30]},
            ],
            "numbers": [
                {
                    "raw": "1,250",
                    "value": "1250",
                    "span": [8, 13],
                    "box": [100, 0, 140, 10],
                    "verified": True,
                    "kind": "number",
                },
                {
                    "raw": "7S",
                    "value": None,
                    "span": [19, 21],
                    "box": [100, 20, 120, 30],
                    "verified": False,
                    "kind": "number",
                },
                {
                    "raw": "",
                    "value": None,
                    "span": None,
                    "box": [200, 20, 220, 30],
                    "verified": False,
                    "kind": "unread_region",
                },
            ],
        }
    )


def _decision(
    raw: str, box: list[int], status: ReviewStatus, value: str | None = None, kind: str = "number"
) -> Decision:
    return Decision(0, kind, raw, tuple(box), status, value)


def test_the_overlay_states_every_number_and_corrects_text_and_words() -> None:
    page = _page()
    decisions = [
        _decision("7S", [100, 20, 120, 30], ReviewStatus.CORRECTED, "75"),
        _decision("", [200, 20, 220, 30], ReviewStatus.APPROVED, kind="unread_region"),
    ]
    (confirmed,) = overlay([page], decisions)
    assert [n.state for n in confirmed.numbers] == ["verified", "corrected", "confirmed"]
    corrected = confirmed.numbers[1]
    assert (corrected.raw, corrected.read_as, corrected.value) == ("75", "7S", "75")
    assert confirmed.text == "Revenue\t1,250\nCash\t75" and confirmed.settled
    assert [w.text for w in confirmed.words] == ["Revenue", "1,250", "Cash", "75"]
    assert page.text.endswith("7S") and page.numbers[1].raw == "7S"  # original kept


def test_open_and_rejected_numbers_leave_the_page_unsettled() -> None:
    (open_page,) = overlay([_page()], [])
    assert [n.state for n in open_page.numbers][1:] == ["open", "open"]
    assert not open_page.settled
    rejected = [_decision("7S", [100, 20, 120, 30], ReviewStatus.REJECTED)]
    (page,) = overlay([_page()], rejected)
    assert page.numbers[1].state == "rejected" and not page.settled


def test_a_correction_must_be_one_number_as_the_page_writes_it(settings: Settings) -> None:
    document_id = register(settings, b"Cash 7S", "c.txt")
    with session_scope(settings.database_url) as session:
        session.add(
            ReviewItem(
                document_id=document_id,
                page_index=0,
                raw="7S",
                box=[1, 2, 3, 4],
                readings={},
                reason="disagree",
            )
        )
        session.flush()
        item_id = session.scalars(select(ReviewItem.review_item_id)).one()
        for bad in ("seventy-five", "75 76", "75abc"):
            with pytest.raises(InvalidRequestError, match="one number"):
                decide(session, item_id, "correct", bad, "reviewer:x")
        assert decide(session, item_id, "correct", " 75 ", "reviewer:x").value == "75"


def test_a_corrected_number_reaches_the_text_line_items_and_training_examples(
    settings: Settings,
) -> None:
    document_id = register(settings, fixtures.damaged_number_scan(), "damaged.pdf")
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", [document_id])
        first = dg.materialize(
            PIPELINE,
            partition_key=document_id,
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
        assert not first.success  # stopped for review
        assert not first.asset_materializations_for_node("line_item_candidates")
        context = dg.build_sensor_context(instance=instance, resources=resources)
        assert isinstance(review_settled_sensor(context), dg.SkipReason)
        with session_scope(settings.database_url) as session:
            (item,) = session.scalars(select(ReviewItem)).all()
            decide(session, item.review_item_id, "correct", "777,778.88", "reviewer:x")
        context = dg.build_sensor_context(instance=instance, resources=resources)
        result = review_settled_sensor(context)
        assert isinstance(result, dg.SensorResult)
        (request,) = result.run_requests or []
        assert request.partition_key == document_id
        # The continuation: everything downstream of extraction, without re-extracting.
        second = dg.materialize(
            PIPELINE,
            selection=dg.AssetSelection.assets(
                confirmed_pages, normalized_text, document_passages, line_item_candidates
            ),
            partition_key=document_id,
            resources=resources,
            instance=instance,
        )
        assert second.success
        assert not second.asset_materializations_for_node("document_pages")
        context = dg.build_sensor_context(
            instance=instance, resources=resources, cursor=result.cursor
        )
        assert isinstance(review_settled_sensor(context), dg.SkipReason)  # once per settlement
    with session_scope(settings.database_url) as session:
        examples = session.scalars(
            select(TrainingExample).where(TrainingExample.document_id == document_id)
        ).all()
        amounts = {e.label: Decimal(e.amount) for e in examples}
        assert amounts.get("Net income") == Decimal("777778.88"), amounts
        (hit, *_) = search(session, "net income", [document_id])  # the search index follows
        corrected = [n for n in hit.passage.numbers if n.state == "corrected"]
        assert [(n.raw, n.value) for n in corrected] == [("777,778.88", "777778.88")]
