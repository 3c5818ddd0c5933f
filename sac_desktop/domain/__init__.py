"""Domain model: pure Python, no Qt, no SQL, no I/O. Time is passed in."""
