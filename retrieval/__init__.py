"""The answer engine: multilingual BM25 retrieval over a corpus of articles, answering with
verbatim excerpts. It knows nothing of chat platforms."""

from retrieval.answer import Answer, ArticleInfo, Hit
from retrieval.documents.corpus import CorpusError, load_corpus
from retrieval.engine import DEFAULT_TOP_K, Engine

__all__ = ["Answer", "ArticleInfo", "CorpusError", "DEFAULT_TOP_K", "Engine", "Hit", "load_corpus"]
