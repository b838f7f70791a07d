"""Page objects: extraction from one response, apart from crawling."""
