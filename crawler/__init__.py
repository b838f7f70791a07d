"""A Scrapy crawler that archives 秀洲新闻网 (jxxznews.zjol.com.cn)."""


def user_agent(contact: str) -> str:
    """The crawler's User-Agent, naming ``contact`` (``CRAWLER_CONTACT``).

    >>> user_agent("ops@example.org")
    'xiuzhou-archive-crawler/0.1 (+mailto:ops@example.org)'
    """
    return f"xiuzhou-archive-crawler/0.1 (+mailto:{contact})"
