"""Use cases: what the web, the command line and the jobs ask of onboard (pre-screen, submit,
review, privacy), written over the core and the adapters."""
