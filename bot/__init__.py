"""The Telegram bot: free-text car search over the shared CarFilters and query code."""
