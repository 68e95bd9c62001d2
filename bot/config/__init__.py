"""Configuration: the TOML file and environment, and the table of known keys."""
