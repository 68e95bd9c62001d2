""" "For you": a person's papers ranked from what they saved (🔖), voted (👍) and turned
down ("Not for me"). `terms` and `model` are pure; `runner` reads the store (issue 21)."""
