"""A chat platform's API calls against its monthly quota (Feishu's free tenant: about 10,000 calls a month)."""
