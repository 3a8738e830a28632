"""The ops console (SPEC 13): server-rendered pages under /ops over the admin operations."""
