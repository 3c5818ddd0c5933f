"""The PySide6 interface: widgets, models and dialogs; no business rule, no SQL."""
