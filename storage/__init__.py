"""Durable storage: one SQLAlchemy engine, tables and the small stores built on them."""
