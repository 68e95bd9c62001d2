"""Store upkeep: pruning and giving space back (bot/retention/)."""
