"""Spiders of the project: ``xiuzhou`` (crawler.spiders.xiuzhou)."""
