"""Models of the applicants app (added by the issues that build it)."""
