"""Meaning: the embedder, the vectors of the sentences quotes are made of, and how close a question
is to each. May import retrieval.text, retrieval.documents and retrieval.storage."""
