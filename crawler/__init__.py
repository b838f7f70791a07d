"""A Scrapy crawler that archives 秀洲新闻网 (jxxznews.zjol.com.cn)."""
