"""The process's own environment, read before base.py loads the developer's .env file: the test
settings take a few values only from here (a subprocess a test starts with them), so that a
developer's .env (which turns the payment sandbox's failures on) never makes the suite random."""

import os

PROCESS_ENV: dict[str, str] = dict(os.environ)
