"""The app database: SQLAlchemy models, sessions and Alembic migrations."""
