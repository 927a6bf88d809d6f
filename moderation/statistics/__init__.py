"""Figures about moderation for the statistics page, its charts, and what-if replays."""
