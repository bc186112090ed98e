"""What tests and benchmarks share: a real fieldkit under gunicorn on loopback, and the steps an officer takes in
the tablet app in Chromium. Not part of the installed package; importable from the repository root."""
