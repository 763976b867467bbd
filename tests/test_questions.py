"""Questions over verified documents: passages with provenance, full-text search on SQLite
FTS5 and PostgreSQL (CJK included), sums of verified amounts only, and the answer's numbers
checked against its sources."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import dagster as dg
import pytest
from fastapi.testclient import TestClient

from api_bridge.main import create_app
from preciso_dagster.core.appdb.models import PipelineJob, StoredQuery
from preciso_dagster.core.appdb.session import session_scope
from preciso_dagster.core.extraction.extraction import extract_document
from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.questions.answers import (
    Aggregate,
    CitedPassage,
    answer,
    is_aggregate,
    is_heavy,
)
from preciso_dagster.core.questions.index import replace_passages, search
from preciso_dagster.core.questions.passages import passages_of
from preciso_dagster.core.questions.queries import record_query
from preciso_dagster.core.questions.terms import cjk_bigrams, query_terms, searchable
from preciso_dagster.core.settings import Settings
from preciso_dagster.defs.ingest.assets import document_pages
from preciso_dagster.defs.questions.assets import document_passages, passages_keep_numbers
from preciso_dagster.defs.questions.jobs import rag_query_job
from preciso_dagster.defs.resources import resources_for
from preciso_dagster.defs.review.assets import confirmed_pages
from tests import fixtures
from tests.conftest import known_documents, register

VIEWER = {"Authorization": "Bearer viewer-token"}
REVENUE_QUESTION = "revenue by fiscal year across all statements"
STATEMENTS = {
    "stmt-a": fixtures.statement_pdf(
        "Statement of income A",
        ["2024", "2023"],
        [("Revenue", ["1,200.50", "1,100.25"]), ("Cost of sales", ["(600.00)", "(550.10)"])],
    ),
    "stmt-b": fixtures.statement_pdf(
        "Statement of income B",
        ["2024", "2023"],
        [("Net sales", ["2,000.05", "1,900.00"]), ("Net income", ["410.00", "380.00"])],
    ),
}
TEXTS = {
    "note-ko": "재무상태표\n자산총계 9,000\n부채총계 4,000\n",
    "note-zh": "合并利润表\n营业收入 5,000\n净利润 800\n",
    "note-en": "Dividend policy\nThe board proposes a dividend of 12.50 per share.\n",
}


def _pages(content: bytes, name: str) -> DocumentPages:
    return extract_document(content, name).to_record()


def _index(settings: Settings, documents: dict[str, DocumentPages]) -> None:
    known_documents(settings, list(documents))
    with session_scope(settings.database_url) as session:
        for document_id, pages in documents.items():
            replace_passages(session, document_id, passages_of(document_id, pages.pages))


@pytest.fixture
def indexed(settings: Settings) -> Settings:
    """Two statements (text layer, year columns) and three notes (Korean, Chinese, English)."""
    documents = {doc: _pages(pdf, f"{doc}.pdf") for doc, pdf in STATEMENTS.items()}
    documents |= {doc: _pages(text.encode(), f"{doc}.txt") for doc, text in TEXTS.items()}
    _index(settings, documents)
    return settings


def test_a_statement_row_is_one_passage_line_with_its_boxes_numbers_and_columns() -> None:
    (passage,) = passages_of("stmt-a", _pages(STATEMENTS["stmt-a"], "a.pdf").pages)
    assert passage.text.split("\n")[2] == "Revenue 1,200.50 1,100.25"
    assert (passage.page_index, passage.line_start, passage.line_end) == (0, 0, 3)
    assert len(passage.boxes) == 4  # one per visual row
    assert {n.raw for n in passage.numbers} >= {"1,200.50", "(550.10)"}
    assert all(n.verified for n in passage.numbers)  # a text layer is its own truth
    revenue = passage.line_items[0]
    assert revenue.label == "Revenue"
    assert [(a.header, a.amount) for a in revenue.amounts] == [
        ("2024", "1200.50"),
        ("2023", "1100.25"),
    ]


def test_an_open_number_keeps_its_state_in_the_passage() -> None:
    pages = _pages(b"Revenue 1,234\nCash 5,600\n", "n.txt")
    pages.pages[0].numbers[0].state = "open"  # as the review overlay leaves an unread number
    (passage,) = passages_of("doc", pages.pages)
    states = {n.raw: n.verified for n in passage.numbers}
    assert states == {"1,234": False, "5,600": True}
    assert [a.state for item in passage.line_items for a in item.amounts] == ["open", "verified"]


def test_cjk_text_is_indexed_and_queried_as_character_bigrams() -> None:
    assert cjk_bigrams("자산총계") == ["자산", "산총", "총계"]
    assert cjk_bigrams("净 利润") == ["净", "利润"]
    assert searchable("Revenue") == "Revenue"
    assert query_terms("What were total assets (자산총계)?") == [
        "what", "were", "total", "assets", "자산", "산총", "총계",
    ]  # fmt: skip
    assert query_terms('x" OR 1=1 --; DROP') == ["x", "or", "1", "drop"]  # words only


@pytest.mark.parametrize(
    ("question", "document_id"),
    [
        ("revenues in 2024", "stmt-a"),  # stemming: revenues finds Revenue
        ("net sales", "stmt-b"),
        ("자산총계", "note-ko"),
        ("총계는 얼마", "note-ko"),  # a bigram inside a longer Korean word
        ("营业收入", "note-zh"),
        ("dividend per share", "note-en"),
    ],
)
def test_search_finds_the_passage_on_either_database(
    indexed: Settings, question: str, document_id: str
) -> None:
    with session_scope(indexed.database_url) as session:
        hits = search(session, question, limit=5)
    assert hits and hits[0].passage.document_id == document_id, [h.passage.text for h in hits]


def test_search_keeps_to_the_documents_named_and_a_new_text_replaces_the_old(
    indexed: Settings,
) -> None:
    with session_scope(indexed.database_url) as session:
        assert [h.passage.document_id for h in search(session, "revenue", ["stmt-b"])] == []
        assert search(session, "revenue", []) == []
        assert search(session, "?!") == []  # no words: no search, no error
        corrected = _pages(b"Dividend policy\nNo dividend is proposed.\n", "x.txt")
        replace_passages(session, "note-en", passages_of("note-en", corrected.pages))
    with session_scope(indexed.database_url) as session:
        (hit,) = search(session, "dividend", ["note-en"])
        assert "No dividend" in hit.passage.text and "12.50" not in hit.passage.text


def test_revenue_by_year_sums_exactly_the_verified_amounts(indexed: Settings) -> None:
    with session_scope(indexed.database_url) as session:
        result = answer(session, REVENUE_QUESTION)
    assert result.kind == "aggregate" and result.heavy
    assert result.aggregate is not None
    totals = {row.period: Decimal(row.total) for row in result.aggregate.rows}
    assert totals == {"2024": Decimal("3200.55"), "2023": Decimal("3000.25")}
    assert {c.label for c in result.aggregate.contributions} == {"Revenue", "Net sales"}
    cited = {p.citation.document_id for p in result.passages}
    assert cited == {"stmt-a", "stmt-b"}
    assert result.number_check.passed and not result.number_check.unverified
    assert "2024: 3200.55" in result.text


def test_an_unverified_amount_is_left_out_of_the_sum_and_listed(settings: Settings) -> None:
    statement = _pages(STATEMENTS["stmt-a"], "a.pdf")
    for number in statement.pages[0].numbers:
        if number.raw == "1,200.50":
            number.state = "open"
    _index(settings, {"stmt-a": statement})
    with session_scope(settings.database_url) as session:
        result = answer(session, REVENUE_QUESTION)
    assert result.aggregate is not None
    assert {row.period: row.total for row in result.aggregate.rows} == {"2023": "1100.25"}
    assert [(c.raw, c.state) for c in result.aggregate.left_out] == [("1,200.50", "open")]
    assert "1 unverified amounts left out" in result.text


def test_a_writer_cannot_state_a_number_its_sources_do_not_hold(indexed: Settings) -> None:
    class InventiveWriter:
        name = "inventive"

        def write(
            self, question: str, passages: list[CitedPassage], aggregate: Aggregate | None
        ) -> str:
            return "Revenue was 1,200.50 [1] in 2024, up from 999.99."

    with session_scope(indexed.database_url) as session:
        result = answer(session, "revenue 2024", writer=InventiveWriter())
    assert result.writer == "inventive"
    assert result.number_check.unsupported == ["999.99"]
    assert not result.number_check.passed


def test_heavy_and_aggregate_rules() -> None:
    assert is_aggregate(REVENUE_QUESTION) == "revenue"
    assert is_aggregate("매출액 연도별 합계") == "revenue"
    assert is_aggregate("what was revenue in 2024") is None  # names a concept, adds nothing up
    assert is_aggregate("sum of everything") is None  # adds up, names no concept
    assert not is_heavy("revenue in 2024", None, 5)
    assert is_heavy("revenue in 2024", None, 21)
    assert is_heavy("revenue in 2024", [f"d{i}" for i in range(21)], 5)


@pytest.fixture
def client(indexed: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(indexed)) as test_client:
        yield test_client


def test_a_light_query_answers_at_once_with_citations_and_number_states(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/v1/queries", headers=VIEWER, json={"question": "net income", "top_k": 3}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "answered" and body["mode"] == "sync" and not body["heavy"]
    first = body["answer"]["passages"][0]
    assert first["citation"]["document_id"] == "stmt-b" and first["citation"]["boxes"]
    assert any(n["raw"] == "410.00" and n["state"] == "verified" for n in first["numbers"])
    again = client.get(response.headers["Location"], headers=VIEWER).json()
    assert again["answer"] == body["answer"]


def test_a_heavy_query_with_the_flag_off_runs_at_once_and_says_so(client: TestClient) -> None:
    response = client.post(
        "/api/v1/queries", headers=VIEWER, json={"question": REVENUE_QUESTION, "mode": "auto"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["heavy"] and body["mode"] == "sync" and body["job_id"] is None
    assert any("answered at once within 10 s" in note for note in body["notes"])
    assert body["answer"]["aggregate"]["concepts_by"] == "taxonomy rules"
    flags = {f["name"]: f for f in client.get("/api/v1/flags", headers=VIEWER).json()}
    assert flags["async_heavy_rag"]["enabled"] is False
    assert flags["async_heavy_rag"]["default"] is False


def test_a_heavy_query_with_the_flag_on_is_a_rag_query_job(indexed: Settings) -> None:
    settings = indexed.model_copy(update={"flag_async_heavy_rag": True})
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/queries", headers=VIEWER, json={"question": REVENUE_QUESTION}
        )
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["status"] == "pending" and body["mode"] == "async" and body["answer"] is None
        light = client.post("/api/v1/queries", headers=VIEWER, json={"question": "net income"})
        assert light.status_code == 200  # light questions still answer at once
    with session_scope(indexed.database_url) as session:
        job = session.get(PipelineJob, uuid.UUID(body["job_id"]))
        assert job is not None and job.job_type == "rag_query"
        assert job.params == {"query_id": body["query_id"]}
        query = session.get(StoredQuery, uuid.UUID(body["query_id"]))
        assert query is not None and query.status == "pending"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"question": ""},
        {"question": "x", "top_k": 0},
        {"question": "x", "top_k": 201},
        {"question": "x", "mode": "later"},
        {"question": "x", "document_ids": []},
        {"question": "x", "document_ids": ["bad id\n"]},
        {"question": "x\u0000"},
        {"question": "x", "extra": 1},
    ],
)
def test_bad_queries_are_refused_with_422(client: TestClient, body: dict) -> None:
    response = client.post("/api/v1/queries", headers=VIEWER, json=body)
    assert response.status_code == 422, response.text


def test_queries_need_a_token_and_an_unknown_query_is_404(client: TestClient) -> None:
    assert client.post("/api/v1/queries", json={"question": "x"}).status_code == 401
    missing = client.get("/api/v1/queries/00000000-0000-0000-0000-000000000000", headers=VIEWER)
    assert missing.status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # Dagster, not the database
def test_the_passage_asset_indexes_a_document_and_rag_query_job_answers(
    settings: Settings,
) -> None:
    document_id = register(settings, STATEMENTS["stmt-a"], "statement.pdf")
    resources = resources_for(settings)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", [document_id])
        result = dg.materialize(
            [document_pages, confirmed_pages, document_passages, passages_keep_numbers],
            partition_key=document_id,
            resources=resources,
            instance=instance,
        )
        assert result.success
        (evaluation,) = result.get_asset_check_evaluations()
        assert evaluation.check_name == "passages_keep_numbers" and evaluation.passed
        with session_scope(settings.database_url) as session:
            query = record_query(
                session, REVENUE_QUESTION, [document_id], 5, heavy=True, requested_by="test"
            )
            query_id = str(query.query_id)
        run = rag_query_job.execute_in_process(
            run_config={"ops": {"answer_recorded_query": {"config": {"query_id": query_id}}}},
            resources=resources,
            instance=instance,
        )
        assert run.success
    with session_scope(settings.database_url) as session:
        stored = session.get(StoredQuery, uuid.UUID(query_id))
        assert stored is not None and stored.status == "answered" and stored.answer
        rows = stored.answer["aggregate"]["rows"]
    assert {row["period"]: row["total"] for row in rows} == {"2024": "1200.50", "2023": "1100.25"}


def test_the_console_search_page_shows_sources_states_and_totals(client: TestClient) -> None:
    client.post("/ui/login", data={"token": "viewer-token"}, follow_redirects=False)
    assert 'data-testid="nav-search"' in client.get("/ui/search").text
    found = client.get("/ui/search", params={"q": "자산총계"}).text
    assert 'data-testid="search-result" data-document-id="note-ko"' in found
    assert 'data-testid="search-number" data-state="verified"' in found
    totals = client.get("/ui/search", params={"q": REVENUE_QUESTION}).text
    assert totals.count('data-testid="search-aggregate-row"') == 2 and "3200.55" in totals
    assert client.get("/ui/search", params={"q": "x\x00"}).status_code == 422


def test_a_rag_query_job_for_a_query_never_asked_is_refused(client: TestClient) -> None:
    operator = {"Authorization": "Bearer operator-token"}
    body = {"job_type": "rag_query", "params": {"query_id": str(uuid.uuid4())}}
    response = client.post("/api/v1/jobs", headers=operator, json=body)
    assert response.status_code == 404 and "unknown query" in response.text


def test_the_console_search_can_keep_to_one_document(client: TestClient) -> None:
    client.post("/ui/login", data={"token": "viewer-token"}, follow_redirects=False)
    page = client.get("/ui/search", params={"q": "dividend", "document": "stmt-a"}).text
    assert 'data-testid="search-result"' not in page and "No passage matches" in page
    assert client.get("/ui/search", params={"document": "bad id"}).status_code == 422
