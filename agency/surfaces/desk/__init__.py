"""The secretary's desk."""
