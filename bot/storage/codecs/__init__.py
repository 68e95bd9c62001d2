"""Row codecs both stores share: how records become columns and back."""
