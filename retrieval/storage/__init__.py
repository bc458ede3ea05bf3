"""Files the index and vectors are kept in (written atomically, arrays memory-mapped), the digests
in cache keys (the source's, the article files'), and the memory a build may use. Imports
nothing else of retrieval/."""
