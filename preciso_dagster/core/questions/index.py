"""The passage index: a document's passages replace its old ones, and full-text search finds
them, through SQLite FTS5 (`bm25()`) on the embedded default and PostgreSQL full-text search
(`tsvector`, GIN, `ts_rank_cd`) on PostgreSQL. One interface, chosen by the session's database."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from preciso_dagster.core.appdb.models import StoredPassage
from preciso_dagster.core.questions.passages import Passage
from preciso_dagster.core.questions.terms import query_terms, searchable


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # higher is better; comparable only within one search


class FullTextSearch(Protocol):
    def ranked_ids(
        self, session: Session, terms: list[str], document_ids: Sequence[str] | None, limit: int
    ) -> list[tuple[int, float]]:
        """(passage id, score) of the best matches of any of `terms`, best first."""


class Fts5Search:
    """SQLite: `passages_fts MATCH` with the terms OR'ed, ranked by bm25 (lower is better)."""

    def ranked_ids(
        self, session: Session, terms: list[str], document_ids: Sequence[str] | None, limit: int
    ) -> list[tuple[int, float]]:
        return _ranked(
            session,
            "SELECT p.passage_id, -bm25(passages_fts) AS score FROM passages_fts "
            "JOIN passages p ON p.passage_id = passages_fts.rowid WHERE passages_fts MATCH :terms",
            "ORDER BY bm25(passages_fts), p.passage_id",
            " OR ".join(f'"{term}"' for term in terms),
            document_ids,
            limit,
        )


class PostgresSearch:
    """PostgreSQL: `search_vector @@ to_tsquery('english', 'a | b')`. `ts_rank_cd` knows no
    term rarity, so a passage scores the BM25 idf of each term it holds (document frequencies
    counted through the GIN index), with ts_rank_cd (proximity) to break ties."""

    def ranked_ids(
        self, session: Session, terms: list[str], document_ids: Sequence[str] | None, limit: int
    ) -> list[tuple[int, float]]:
        weights = self._idf(session, terms)
        if not weights:
            return []
        held = " + ".join(
            f"{weight:.6f} * (p.search_vector @@ to_tsquery('english', :t{i}))::int"
            for i, weight in weights.items()
        )
        return _ranked(
            session,
            f"SELECT p.passage_id, {held} + ts_rank_cd(p.search_vector, q) AS score "
            "FROM passages p, to_tsquery('english', :terms) q WHERE p.search_vector @@ q",
            "ORDER BY score DESC, p.passage_id",
            " | ".join(terms[i] for i in weights),
            document_ids,
            limit,
            {f"t{i}": terms[i] for i in weights},
        )

    @staticmethod
    def _idf(session: Session, terms: list[str]) -> dict[int, float]:
        """BM25's idf of each term that is not a stop word, by its position in `terms`."""
        counts = ", ".join(
            f"CASE WHEN numnode(to_tsquery('english', :t{i})) > 0 THEN (SELECT count(*) "
            f"FROM passages WHERE search_vector @@ to_tsquery('english', :t{i})) END"
            for i in range(len(terms))
        )
        params = {f"t{i}": term for i, term in enumerate(terms)}
        row = session.execute(
            text(f"SELECT (SELECT count(*) FROM passages), {counts}"), params
        ).one()
        total, frequencies = row[0], row[1:]
        return {
            i: math.log((total - df + 0.5) / (df + 0.5) + 1)
            for i, df in enumerate(frequencies)
            if df is not None
        }


def _ranked(
    session: Session,
    matching: str,
    order: str,
    terms: str,
    document_ids: Sequence[str] | None,
    limit: int,
    more: dict[str, object] | None = None,
) -> list[tuple[int, float]]:
    """Run a search statement (`matching`, binding `:terms`), kept to the documents named."""
    within = " AND p.document_id IN :ids" if document_ids is not None else ""
    statement = text(f"{matching}{within} {order} LIMIT :limit")
    params: dict[str, object] = {"terms": terms, "limit": limit, **(more or {})}
    if document_ids is not None:
        statement = statement.bindparams(bindparam("ids", expanding=True))
        params["ids"] = list(document_ids)
    return [(row[0], float(row[1])) for row in session.execute(statement, params)]


def full_text_search(session: Session) -> FullTextSearch:
    """The search that the session's database offers."""
    return Fts5Search() if session.get_bind().dialect.name == "sqlite" else PostgresSearch()


def replace_passages(session: Session, document_id: str, passages: list[Passage]) -> None:
    """The document's passages, in place of whatever it had (its text changed, or a rerun)."""
    session.execute(delete(StoredPassage).where(StoredPassage.document_id == document_id))
    session.add_all(stored_passage(document_id, passage) for passage in passages)
    session.flush()


def stored_passage(document_id: str, passage: Passage) -> StoredPassage:
    """The row of a passage: what search reads (with CJK bigrams) and the record itself."""
    return StoredPassage(
        document_id=document_id,
        page_index=passage.page_index,
        line_start=passage.line_start,
        search_text=searchable(passage.text),
        passage=passage.model_dump(mode="json"),
    )


def search(
    session: Session, question: str, document_ids: Sequence[str] | None = None, limit: int = 5
) -> list[Hit]:
    """The passages that best match the question's words, best first."""
    terms = query_terms(question)
    if not terms or (document_ids is not None and not document_ids):
        return []
    ranked = full_text_search(session).ranked_ids(session, terms, document_ids, limit)
    rows = {
        row.passage_id: row
        for row in session.scalars(
            select(StoredPassage).where(StoredPassage.passage_id.in_([pid for pid, _ in ranked]))
        )
    }
    return [Hit(Passage.model_validate(rows[pid].passage), score) for pid, score in ranked]


def passages_of_documents(session: Session, document_ids: Sequence[str] | None) -> list[Passage]:
    """Every indexed passage of the documents (all documents when None), in document order."""
    statement = select(StoredPassage.passage).order_by(
        StoredPassage.document_id, StoredPassage.page_index, StoredPassage.line_start
    )
    if document_ids is not None:
        statement = statement.where(StoredPassage.document_id.in_(list(document_ids)))
    return [Passage.model_validate(stored) for stored in session.scalars(statement)]
