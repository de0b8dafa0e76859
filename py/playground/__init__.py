"""The asyncio playground's Python side: the runner (plain Python) and its browser glue."""
