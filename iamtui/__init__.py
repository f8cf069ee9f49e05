"""iamtui: review and safely clean up AWS IAM credentials from the terminal."""

__version__ = "0.1.0"
