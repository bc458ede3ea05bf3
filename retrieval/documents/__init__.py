"""A collection read into articles: files of each format rendered into typed blocks with their
source positions, front matter, source links, and the passages that suit quoting.
May import retrieval.text, retrieval.storage and retrieval.answer."""
