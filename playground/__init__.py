"""Microsoft 365 Agents Playground, our way: the people of a test tenant and how to start it."""
