"""Questions over documents: retrieval recall@5, aggregation exactness, index build speed and
light-query latency over 10,000 pages, on SQLite and (with --postgres-url) PostgreSQL.

The labelled query set is generated, seeded:
- English statements (text-layer PDFs, year columns): "<company> <row label>" must find the
  company's statement;
- Korean notes (plain text): "<회사> <계정>" must find the company's note;
- the corpus (../shared/corpus/pdf, skipped when absent): five consecutive words from a page
  must find that page.
Aggregation: "revenue by fiscal year across all statements" over the statements, with about a
tenth of the revenue amounts left unverified; every total must equal the sum of the verified
amounts, and no unverified amount may be summed.
Baselines, in the same process: extraction of the same documents (for the index build) and
the engine's own ranking of the same terms (FTS5 bm25, PostgreSQL ts_rank_cd), which loads
no passage (for the query latency).

Async lag (--async-questions N): a real stack with the flag on answers N heavy questions as
rag_query jobs, one at a time, against the same question answered synchronously.

Usage: python -m bench.rag_bench [--statements 60] [--pages 10000] [--queries 300]
       [--postgres-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]
       [--async-questions 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.corpus import CORPUS
from bench.generated_pages import LABELS, Canvas
from bench.stack import running_stack
from preciso_dagster.core.appdb.migrate import upgrade
from preciso_dagster.core.appdb.models import Document
from preciso_dagster.core.appdb.session import engine_for, session_scope
from preciso_dagster.core.extraction.extraction import extract_document
from preciso_dagster.core.numeric.numbers import DecimalConvention
from preciso_dagster.core.pages import DocumentPages
from preciso_dagster.core.questions.answers import answer
from preciso_dagster.core.questions.index import search, stored_passage
from preciso_dagster.core.questions.passages import Passage, passages_of
from preciso_dagster.core.questions.terms import query_terms

REVENUE_QUESTION = "revenue by fiscal year across all statements"
YEARS = ("2025", "2024", "2023")
SYLLABLES = ("nor", "west", "ar", "bel", "cor", "dan", "el", "fin", "gar", "hol", "is", "kel")
KO_SYLLABLES = ("한", "국", "대", "신", "성", "동", "화", "미", "래", "산", "업", "진")
KO_ACCOUNTS = ("자산총계", "부채총계", "자본총계", "매출액", "영업이익", "당기순이익", "현금")
UNVERIFIED_SHARE = 0.1
TOP_K = 5


@dataclass
class LabelledDocument:
    document_id: str
    pages: DocumentPages
    questions: list[tuple[str, int]]  # (question, target page)
    query_class: str
    revenue: dict[str, Decimal]  # verified revenue per year (statements only)


def company(rng: random.Random) -> str:
    name = "".join(rng.sample(SYLLABLES, 3)).title()
    return f"{name} {rng.choice(['Holdings', 'Trading', 'Industries', 'Partners'])}"


def statement(rng: random.Random, index: int) -> LabelledDocument:
    """A text-layer statement with three year columns; about a tenth of its revenue amounts
    are marked unverified, as review would leave them open."""
    name = company(rng)
    labels = ["Revenue", *rng.sample([label for label in LABELS if label != "Revenue"], 7)]
    rows = [(label, [rng.randint(1_000, 9_999_999) for _ in YEARS]) for label in labels]
    canvas = Canvas(DecimalConvention("."))
    canvas.text(72, 60, f"{name}: consolidated statement of income", 12)
    edges = [380 + 80 * column for column in range(len(YEARS))]
    for edge, year in zip(edges, YEARS, strict=True):
        canvas.number(edge, 90, year, right=True)
    for row, (label, amounts) in enumerate(rows):
        y = 112 + 20 * row
        canvas.label(72, y, label)
        for edge, amount in zip(edges, amounts, strict=True):
            canvas.number(edge, y, f"{amount:,}", right=True)
    pdf = canvas.finish(f"statement-{index}", "statements").pdf
    pages = extract_document(pdf, "statement.pdf").to_record()
    verified = dict.fromkeys(YEARS, Decimal(0))
    revenue_raws = {f"{amount:,}": year for year, amount in zip(YEARS, rows[0][1], strict=True)}
    for number in pages.pages[0].numbers:
        if number.raw in revenue_raws:
            if rng.random() < UNVERIFIED_SHARE:
                number.state = "open"
            else:
                verified[revenue_raws[number.raw]] += Decimal(number.raw.replace(",", ""))
    questions = [(f"{name} {label.lower()}", 0) for label in rng.sample(labels, 2)]
    return LabelledDocument(f"stmt-{index:04d}", pages, questions, "statements (en)", verified)


def korean_note(rng: random.Random, index: int) -> LabelledDocument:
    name = "".join(rng.sample(KO_SYLLABLES, 3)) + rng.choice(["전자", "건설", "금융", "화학"])
    accounts = rng.sample(KO_ACCOUNTS, 4)
    lines = [f"{name} 재무상태표 (단위: 백만원)"]
    lines += [f"{account} {rng.randint(100, 999_999):,}" for account in accounts]
    pages = extract_document("\n".join(lines).encode(), "note.txt").to_record()
    questions = [(f"{name}의 {accounts[0]}", 0)]
    return LabelledDocument(f"note-{index:04d}", pages, questions, "notes (ko)", {})


def corpus_documents(rng: random.Random) -> list[LabelledDocument]:
    """Every readable corpus PDF; a question per page of enough words: five of them in a row."""
    documents = []
    for path in sorted(CORPUS.glob("*.pdf")) if CORPUS.exists() else []:
        try:
            pages = extract_document(path.read_bytes(), path.name).to_record()
        except Exception as error:  # encrypted, malformed: not part of this benchmark
            print(f"  corpus: {path.name} left out ({type(error).__name__})")
            continue
        questions = []
        for page in pages.pages:
            words = [w for w in page.text.split() if w.isalpha() and len(w) > 2]
            if page.engine == "text_layer" and len(words) >= 30:
                start = rng.randrange(0, len(words) - 5)
                questions.append((" ".join(words[start : start + 5]), page.index))
        documents.append(
            LabelledDocument(f"corpus-{path.stem[:50]}", pages, questions, "corpus pages", {})
        )
    return documents


def fresh_database(kind: str, postgres_url: str | None, folder: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'rag.db'}"
    else:
        assert postgres_url
        name = f"rag_bench_{uuid.uuid4().hex[:8]}"
        with create_engine(postgres_url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        url = postgres_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url


def index_documents(url: str, indexed: list[tuple[str, list[Passage]]]) -> None:
    """Document rows and their passages, in bulk (the index triggers and columns follow)."""
    with session_scope(url) as session:
        for document_id, _ in indexed:
            digest = uuid.uuid5(uuid.NAMESPACE_URL, document_id).hex * 2
            session.add(
                Document(document_id=document_id, sha256=digest, filename="b", size_bytes=1)
            )
        session.flush()
        session.add_all(
            stored_passage(document_id, passage)
            for document_id, passages in indexed
            for passage in passages
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_backend(kind: str, args: argparse.Namespace, documents: list[LabelledDocument]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = fresh_database(kind, args.postgres_url, Path(folder))
        print(f"\n== {kind} ==")
        pages = sum(len(d.pages.pages) for d in documents)
        started = time.perf_counter()
        indexed = [(d.document_id, passages_of(d.document_id, d.pages.pages)) for d in documents]
        index_documents(url, indexed)
        build = time.perf_counter() - started
        print(f"index build: {pages} pages in {build:.2f} s = {pages / build:.0f} pages/s")

        hits: dict[str, list[bool]] = {}
        with session_scope(url) as session:
            for document in documents:
                for question, page_index in document.questions:
                    found = search(session, question, limit=TOP_K)
                    targets = {(h.passage.document_id, h.passage.page_index) for h in found}
                    hits.setdefault(document.query_class, []).append(
                        (document.document_id, page_index) in targets
                    )
        for query_class, outcome in hits.items():
            print(f"recall@{TOP_K} {query_class}: {sum(outcome)}/{len(outcome)} = "
                  f"{sum(outcome) / len(outcome):.3f}")  # fmt: skip
        everything = [hit for outcome in hits.values() for hit in outcome]
        print(f"recall@{TOP_K} all: {sum(everything) / len(everything):.3f}")

        truth: dict[str, Decimal] = {year: Decimal(0) for year in YEARS}
        for document in documents:
            for year, amount in document.revenue.items():
                truth[year] += amount
        with session_scope(url) as session:
            result = answer(session, REVENUE_QUESTION)
        assert result.aggregate is not None
        totals = {row.period: Decimal(row.total) for row in result.aggregate.rows}
        summed_unverified = [c for c in result.aggregate.contributions if c.state == "open"]
        exact = sum(totals.get(year) == truth[year] for year in YEARS)
        print(f"aggregation: {exact}/{len(YEARS)} yearly totals exact, "
              f"{len(summed_unverified)} unverified amounts summed, "
              f"{len(result.aggregate.left_out)} left out and listed")  # fmt: skip

        scale_to(url, indexed, args.pages, pages)
        questions = [q for d in documents for q, _ in d.questions]
        sample = random.Random(3).choices(questions, k=args.queries)
        measure_latency(url, sample)
        engine_for(url).dispose()
        if kind == "postgres":
            name = url.rsplit("/", 1)[1]
            with create_engine(args.postgres_url, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


def scale_to(
    url: str, indexed: list[tuple[str, list[Passage]]], target_pages: int, pages: int
) -> None:
    """Copies of the labelled documents under new ids, until the index holds `target_pages`."""
    started = time.perf_counter()
    copies, copy = [], 0
    while pages < target_pages:
        copy += 1
        for document_id, passages in indexed:
            copies.append((f"{document_id}-copy{copy}", passages))
            pages += len({p.page_index for p in passages}) or 1
            if pages >= target_pages:
                break
    index_documents(url, copies)
    print(f"scaled to {pages} pages in {time.perf_counter() - started:.1f} s")


RAW_QUERIES = {  # the engines' own ranking, terms OR'ed: the baseline of a light query
    "sqlite": "SELECT rowid FROM passages_fts WHERE passages_fts MATCH :terms "
    "ORDER BY bm25(passages_fts) LIMIT 5",
    "postgresql": "SELECT passage_id FROM passages, to_tsquery('english', :terms) q "
    "WHERE search_vector @@ q ORDER BY ts_rank_cd(search_vector, q) DESC LIMIT 5",
}


def measure_latency(url: str, questions: list[str]) -> None:
    """p50/p95 of a light query (rank, load the top 5) against the engine's own ranking alone."""
    with session_scope(url) as session:
        dialect = session.get_bind().dialect.name
        separator = " OR " if dialect == "sqlite" else " | "
        raw = text(RAW_QUERIES[dialect])
        search(session, questions[0])  # warm the connection and the statement cache
        bare, full = [], []
        for question in questions:
            terms = query_terms(question)
            quoted = [f'"{t}"' for t in terms] if dialect == "sqlite" else terms
            started = time.perf_counter()
            session.execute(raw, {"terms": separator.join(quoted)}).all()
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            search(session, question, limit=TOP_K)
            full.append(time.perf_counter() - started)
    print(f"light query over {len(questions)} questions: p50 "
          f"{statistics.median(full) * 1000:.1f} ms, p95 {percentile(full, 0.95) * 1000:.1f} ms; "
          f"engine's own ranking p50 {statistics.median(bare) * 1000:.1f} ms, p95 "
          f"{percentile(bare, 0.95) * 1000:.1f} ms; ratio p50 "
          f"{statistics.median(full) / statistics.median(bare):.2f}x")  # fmt: skip


def measure_async_lag(questions: int) -> None:
    """A real stack with PRECISO_FLAG_ASYNC_HEAVY_RAG on: the time from POST /api/v1/queries
    (202) until GET shows the answer, one heavy question at a time; against the synchronous
    answer of the same question through the same bridge (`mode: sync`)."""
    token = "rag-bench"
    with running_stack(api_tokens={token: "operator"}, flag_async_heavy_rag=True) as stack:
        base_url = f"http://127.0.0.1:{stack.settings.api_port}"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            canvas = Canvas(DecimalConvention("."))
            canvas.number(460, 90, "2025", right=True)
            canvas.label(72, 112, "Revenue")
            canvas.number(460, 112, "1,234,567", right=True)
            upload = client.post(
                "/api/v1/documents",
                files={"file": ("s.pdf", canvas.finish("lag", "statements").pdf)},
            ).json()
            wait_until(lambda: client.get(f"/api/v1/jobs/{upload['job_id']}").json()["status"]
                       == "succeeded")  # fmt: skip
            body = {"question": REVENUE_QUESTION, "document_ids": [upload["document_id"]]}
            lags, sync = [], []
            for _ in range(questions):
                started = time.perf_counter()
                client.post("/api/v1/queries", json={**body, "mode": "sync"}).raise_for_status()
                sync.append(time.perf_counter() - started)
                started = time.perf_counter()
                location = client.post("/api/v1/queries", json=body).headers["Location"]
                wait_until(partial(answered, client, location), every=0.1)
                lags.append(time.perf_counter() - started)
    print(f"async question lag over {questions}: p50 {statistics.median(lags):.1f} s, "
          f"max {max(lags):.1f} s; synchronous answer p50 "
          f"{statistics.median(sync) * 1000:.0f} ms")  # fmt: skip


def answered(client: httpx.Client, location: str) -> bool:
    return bool(client.get(location).json()["status"] != "pending")


def wait_until(condition: Callable[[], bool], every: float = 0.5, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the stack did not get there in time")
        time.sleep(every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--notes", type=int, default=40)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--async-questions", type=int, default=0, help="0: skip the stack")
    args = parser.parse_args()
    rng = random.Random(11)
    started = time.perf_counter()
    documents = [statement(rng, i) for i in range(args.statements)]
    documents += [korean_note(rng, i) for i in range(args.notes)]
    documents += corpus_documents(rng)
    extraction = time.perf_counter() - started
    pages = sum(len(d.pages.pages) for d in documents)
    print(f"baseline: extraction of the {len(documents)} documents ({pages} pages) took "
          f"{extraction:.2f} s = {pages / extraction:.0f} pages/s")  # fmt: skip
    for kind in ["sqlite", "postgres"] if args.postgres_url else ["sqlite"]:
        run_backend(kind, args, documents)
    if args.async_questions:
        measure_async_lag(args.async_questions)


if __name__ == "__main__":
    main()
