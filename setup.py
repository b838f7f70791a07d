from setuptools import setup

# All metadata is in pyproject.toml; this file only keeps scrapyd-deploy from
# writing a setup.py of its own (which would drop the scrapy entry point).
setup()
