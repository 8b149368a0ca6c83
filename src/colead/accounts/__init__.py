"""Admin accounts of the console and the API: passwords, logins, sessions and API tokens."""
