"""Staff and analyst accounts: hashed passwords, login sessions, CSRF and a throttled login."""
