"""Stage 4 of answering: do the best quotes answer the question? One score, three outcomes.

The evidence is a handful of features of the question and its best candidates (`Evidence`):
how much of the question's weight the collection holds and the best quote holds, how many of
its words the quote shares, names the collection never mentions, whether a number or date is
asked for and the quote states none, the question's length and language against the quote's,
how strong and how clear-cut BM25's best is, and with the model the best passage's cosine and
z-score and its lead over the next. A logistic regression fitted on public questions
(`benchmarks/fit_answerability.py`, which writes ANSWERABILITY_MODEL; one model with the
embedding model and one without) turns them into a probability that the collection answers the
question. Two thresholds, chosen on the same data, split it into three outcomes: at or above
`confident` a confident answer; under `decline` a decline; between, "not sure" (the closest
quotes, said to be uncertain). The runtime needs only this file and plain Python.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

ANSWERABILITY_MODEL = Path(__file__).with_name("answerability_model.json")

# The features each model reads, in order; the lexical model leaves out the model's.
LEXICAL_FEATURES = (
    "collection_coverage", "quote_coverage", "quote_word_share", "unknown_names", "wants_kind",
    "kind_missing", "question_words", "chinese_question", "cross_language", "lexical_strength",
    "lexical_margin",
)
SEMANTIC_FEATURES = LEXICAL_FEATURES + ("best_cosine", "best_z", "top_z", "dense_margin", "best_dense_rank")


@dataclass(frozen=True)
class Evidence:
    """The features the score is computed from (see the module's docstring); those of the
    model are 0 without it."""

    collection_coverage: float
    quote_coverage: float
    quote_word_share: float
    unknown_names: float
    wants_kind: float
    kind_missing: float
    question_words: float
    chinese_question: float
    cross_language: float
    lexical_strength: float
    lexical_margin: float
    best_cosine: float = 0.0
    best_z: float = 0.0
    top_z: float = 0.0
    dense_margin: float = 0.0
    best_dense_rank: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class Outcome(Enum):
    CONFIDENT = "confident"
    NOT_SURE = "not sure"
    DECLINE = "decline"


@dataclass(frozen=True)
class Verdict:
    """The probability that the collection answers the question, and what follows from it."""

    probability: float
    outcome: Outcome

    def reason(self) -> str:
        """Why, in a few words, for logs and the operator's report."""
        return f"answerability {self.probability:.2f} ({self.outcome.value})"


@dataclass(frozen=True)
class FittedModel:
    """One logistic regression: features standardised by `means` and `scales`, then weighed."""

    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    decline: float
    confident: float

    def probability(self, evidence: Evidence) -> float:
        values = evidence.as_dict()
        z = self.intercept + math.fsum(
            w * (values[name] - m) / s for name, m, s, w in zip(self.features, self.means, self.scales, self.weights)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def judge(self, evidence: Evidence) -> Verdict:
        p = self.probability(evidence)
        outcome = Outcome.CONFIDENT if p >= self.confident else Outcome.DECLINE if p < self.decline else Outcome.NOT_SURE
        return Verdict(p, outcome)


@lru_cache(maxsize=4)
def load_model(embedder: str | None, path: Path = ANSWERABILITY_MODEL) -> FittedModel:
    """The shipped model for answering with the embedding model whose identity is `embedder`,
    or the lexical one: without a model, or with another one than the semantic model was fitted
    with (another model's cosines mean something else)."""
    models = json.loads(path.read_text(encoding="utf-8"))
    data = models["semantic"] if embedder is not None and embedder == models["semantic"]["embedder"] else models["lexical"]
    return FittedModel(tuple(data["features"]), tuple(data["means"]), tuple(data["scales"]), tuple(data["weights"]),
                       float(data["intercept"]), float(data["decline"]), float(data["confident"]))
