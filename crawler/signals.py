"""Signals of the crawler, beside Scrapy's own."""

#: Sent by the JSON Lines writer for every record it appended to the output,
#: with ``record`` (a dict in contract order).  The run report counts these.
record_written = object()
