"""Storage: the only place SQL lives (SQLCipher vault, migrations, repositories). Qt-free."""
