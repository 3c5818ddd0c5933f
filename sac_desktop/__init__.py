"""SAC Desktop: care records for the Belgian Sexual Assault Centres."""

__version__ = "0.1.0"
