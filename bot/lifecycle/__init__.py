"""A post's life after it goes out: settling edits, follow-up replies and Hugging Face
artifacts, each runner beside its plan.
"""
