"""Adding an article to a collection (`python -m bot add`): a web page fetched or a file read, then
written into the collection. May import retrieval.documents and retrieval.text."""
