"""Text from outside: untrusted paper text made safe, command input, words and stems, arXiv ids."""
