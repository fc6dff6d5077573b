"""Bilingual localisation."""
