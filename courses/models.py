"""Models of the courses app (added by the issues that build it)."""
