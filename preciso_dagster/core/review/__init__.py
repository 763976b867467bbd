"""Human review of numbers no second reading confirmed, with an audit of every decision."""
