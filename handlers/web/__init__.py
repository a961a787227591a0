"""The web console: aiohttp.web pages rendered with Jinja2 on the server, htmx for the live parts."""
