"""Kartu Prakerja portal: project package and shared kernel."""

from prakerja.celery import app as celery_app

__all__ = ("celery_app",)
