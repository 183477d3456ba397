"""Text the sample-dump generator writes: problems with checked answers, page templates, word lists.

Everything here is written by the project itself (no third-party text)."""
