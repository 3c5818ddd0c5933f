"""Services: user actions as transactions (permission, write, audit). Qt-free."""
