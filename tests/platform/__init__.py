"""Tests of the platform: scrapyd nodes and the scheduler."""
