"""The steps from a question to its quotes: the question read, candidates, excerpts, the fused
ranking, evidence and answerability. May import retrieval.text, documents, index and semantic."""
