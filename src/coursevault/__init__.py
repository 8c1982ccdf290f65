"""CourseVault: self-hosted platform for selling and streaming video courses."""

__version__ = "0.1.0"
