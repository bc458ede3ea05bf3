"""Built once per collection content and kept in cache files: the parsed articles, the index, the
vectors and the words naming each article. May import retrieval.answer and what it keeps:
documents, text, storage, index, semantic, and answering's article naming."""
