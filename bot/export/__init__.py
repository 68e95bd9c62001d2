"""Take it with you: a person's saved papers, or a channel's most-voted, as a file (BibTeX,
Markdown or CSV). Pure formatters, one module each, and a small runner that gathers the
papers from the store and names the file."""
