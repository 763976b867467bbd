"""The bridge's logic; routes stay thin and call these."""
