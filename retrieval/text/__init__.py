"""Text as the index reads it: Chinese scripts and words, one tokenizer for passages and questions,
stopwords, languages, sentences and highlight spans. Imports nothing else of retrieval/."""
