"""The BM25 index: rank-bm25's BM25Plus scores from per-term postings, its terms, passages and tokens
as arrays. May import retrieval.text, retrieval.documents and retrieval.storage."""
