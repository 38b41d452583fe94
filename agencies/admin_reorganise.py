"""The reorganisation pages of the admin (filled by the reorganisation work)."""
