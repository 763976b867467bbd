"""Review decisions laid over the extraction: the confirmed pages asset and its check."""
