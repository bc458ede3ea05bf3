"""The answer engine: a question in, verbatim excerpts of the articles (or an honest no) out.
engine.py runs the stages (text, documents, index, semantic, cache, answering; storage and adding
beside them); answer.py is the contract; evaluation.py scores it. Never imports bot/."""

from retrieval.answer import Answer, ArticleInfo, Hit
from retrieval.documents.corpus import CorpusError, load_corpus
from retrieval.engine import DEFAULT_TOP_K, Engine

__all__ = ["Answer", "ArticleInfo", "CorpusError", "DEFAULT_TOP_K", "Engine", "Hit", "load_corpus"]
