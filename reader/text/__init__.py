"""Text: the article model and what shapes its text (sentences, language, safe
lines, titles, highlights), shared by every stage of the pipeline."""
