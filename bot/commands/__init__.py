"""The /papers commands: parsing, wording, the handler, and the vote, link and click services."""
