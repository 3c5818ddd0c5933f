"""Reports: PDF documents built with reportlab, signed with pyHanko. Qt-free.

Every report receives a :class:`sac_desktop.i18n.Translator` for its reader's language.
The documents themselves arrive with the reports issue.
"""
